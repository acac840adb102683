"""JSON: the scan document itself, with sorted keys so identical input gives identical bytes.

Objects are indented for people; each element of a list of objects (a finding, a SARIF
result) is one compact line, encoded by the C encoder: indent= would force json's pure-Python
encoder, which takes seconds on a large project's tens of thousands of findings. The text comes
out in pieces, one per such line, so a report is written as it is encoded and never held whole;
an element holding :class:`Records` (a SARIF run) is indented so that its records stream too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any


class Records(Sequence):
    """A list whose elements are made when read: ``make(item)`` for each of ``items``.

    A large project's findings as dicts would cost more memory than the findings themselves;
    made one at a time, each is encoded and dropped.
    """

    def __init__(self, items: Sequence, make: Callable[[Any], Any],
                 text: Callable[[Any], str] | None = None) -> None:
        """``text(item)``, when given, is ``make(item)`` already encoded (compact, sorted keys)."""
        self._items = items
        self._make = make
        self._text = text

    def texts(self) -> Iterator[str]:
        """Each element as compact JSON."""
        if self._text is not None:
            return map(self._text, self._items)
        return map(_compact, self)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._make(item) for item in self._items[index]]
        return self._make(self._items[index])

    def __iter__(self) -> Iterator[Any]:
        return map(self._make, self._items)


def _as_list(value: Any) -> list:
    if isinstance(value, Records):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


# One encoder for every value: json.dumps with options builds a new one per call, which costs
# more than encoding a finding.
_compact = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=_as_list).encode


def _holds_records(value: Any) -> bool:
    if isinstance(value, Records):
        return True
    if isinstance(value, dict):
        return any(_holds_records(item) for item in value.values())
    return isinstance(value, (list, tuple)) and any(_holds_records(item) for item in value)


def _pieces(value: Any, depth: int) -> Iterator[str]:
    pad = "  " * (depth + 1)
    if isinstance(value, dict) and value:
        separator = "{\n"
        for key in sorted(value):
            yield f"{separator}{pad}{_compact(str(key))}: "
            yield from _pieces(value[key], depth + 1)
            separator = ",\n"
        yield "\n" + "  " * depth + "}"
    elif isinstance(value, Records) and value:
        separator = "[\n"
        for text in value.texts():
            yield separator + pad + text
            separator = ",\n"
        yield "\n" + "  " * depth + "]"
    elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
        separator = "[\n"
        for item in value:
            yield separator + pad
            if _holds_records(item):  # e.g. a SARIF run's results
                yield from _pieces(item, depth + 1)
            else:
                yield _compact(item)
            separator = ",\n"
        yield "\n" + "  " * depth + "]"
    else:
        yield _compact(value)


def stream(document: Any) -> Iterator[str]:
    yield from _pieces(document, 0)
    yield "\n"


def dumps(document: Any) -> str:
    return "".join(stream(document))


def render(document: dict[str, Any], rules: Sequence, color: bool = False) -> Iterator[str]:
    return stream(document)
