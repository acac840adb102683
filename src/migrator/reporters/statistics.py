"""``scan --statistics``: the number of findings per rule, with its name and how many have a fix
(as ``ruff --statistics``), most frequent first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from migrator.reporters.jsonout import stream
from migrator.rules.base import Rule


def rows(document: dict[str, Any], rules: Sequence[Rule]) -> list[dict[str, Any]]:
    count: Counter[str] = Counter()
    fixable: Counter[str] = Counter()
    names: dict[str, str] = {r.id: r.name for r in rules}
    for finding in document["findings"]:
        count[finding["rule"]] += 1
        fixable[finding["rule"]] += finding["fix"] is not None
        names.setdefault(finding["rule"], finding["name"])
    return [{"rule": rule, "name": names[rule], "count": n, "fixable": fixable[rule]}
            for rule, n in sorted(count.items(), key=lambda item: (-item[1], item[0]))]


def render(fmt: str, document: dict[str, Any], rules: Sequence[Rule]) -> Iterator[str]:
    table = rows(document, rules)
    if fmt == "json":
        yield from stream(table)
        return
    width = max((len(str(row["count"])) for row in table), default=1)
    for row in table:
        fixable = f"{row['fixable']} fixable" if row["fixable"] else ""
        yield f"{row['count']:>{width}}  {row['rule']:<7} {row['name']:<40} {fixable}".rstrip() + "\n"
