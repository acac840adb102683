"""JSON: the scan document itself, with sorted keys so identical input gives identical bytes.

Objects are indented for people; each element of a list of objects (a finding, a SARIF
result) is one compact line, encoded by the C encoder: indent= would force json's pure-Python
encoder, which takes seconds on a large project's tens of thousands of findings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _pretty(value: Any, depth: int) -> str:
    pad = "  " * (depth + 1)
    if isinstance(value, dict) and value:
        items = [f"{pad}{_compact(str(key))}: {_pretty(value[key], depth + 1)}" for key in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
    if isinstance(value, list) and value and any(isinstance(item, dict) for item in value):
        return "[\n" + ",\n".join(f"{pad}{_compact(item)}" for item in value) + "\n" + "  " * depth + "]"
    return _compact(value)


def dumps(document: Any) -> str:
    return _pretty(document, 0) + "\n"


def render(document: dict[str, Any], rules: Sequence, color: bool = False) -> str:
    return dumps(document)
