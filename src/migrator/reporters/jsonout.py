"""JSON: the scan document itself, with sorted keys so identical input gives identical bytes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def dumps(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render(document: dict[str, Any], rules: Sequence, color: bool = False) -> str:
    return dumps(document)
