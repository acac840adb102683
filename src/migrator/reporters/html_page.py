"""The frame and house style of the tool's self-contained HTML pages (`size -f html`, migrate's
report.html): no external assets, so a page can be mailed or attached as it is."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

_BASE_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; color: #1a202c; margin: 24px auto; max-width: 1100px;
       padding: 0 16px; line-height: 1.45; }
h1 { font-size: 26px; margin-bottom: 4px; }
h2 { font-size: 19px; margin-top: 28px; border-bottom: 1px solid #e2e8f0; padding-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13px; }
th, td { border: 1px solid #cbd5e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #edf2f7; }
.chart { overflow-x: auto; }
"""


def html_page(title: str, body: Iterable[str], style: str = "") -> str:
    """A whole page: ``body`` is HTML the caller escaped; ``style`` adds to the house style."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<style>{_BASE_STYLE}{style}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")
