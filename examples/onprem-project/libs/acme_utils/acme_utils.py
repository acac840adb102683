"""Fixed-width record helpers for the vendor file parsers in /opt/etl/vendor_parsers
(DATA-611).

A layout is a list of ``(name, start, end, convert)`` with 1-based, inclusive
column positions, copied as-is from the vendor's spec sheet.
"""
from decimal import Decimal

__version__ = "0.4.0"


def text(value):
    return value.strip()


def amount(value):
    """Cents with an implied decimal point and a trailing sign: '0000012345-'."""
    value = value.strip()
    sign = -1 if value.endswith("-") else 1
    return sign * Decimal(value.rstrip("+-") or "0") / 100


def parse_record(line, layout):
    return {name: convert(line[start - 1:end]) for name, start, end, convert in layout}


def parse_file(lines, layout, record_type=None):
    """Records of ``layout``; with ``record_type``, only lines starting with it."""
    for line in lines:
        line = line.rstrip("\r\n")
        if not line or (record_type and not line.startswith(record_type)):
            continue
        yield parse_record(line, layout)
