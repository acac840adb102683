"""Loading of the JSON files under compat/data/ (package data of ``migrator.compat``).

Every loader is cached: rules call the knowledge base once per name per file, and a scan of a
large project makes hundreds of thousands of such calls.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DATA_PACKAGE = "migrator.compat"


def data_dir():
    """The ``data`` folder as an importlib Traversable (works for editable and wheel installs)."""
    return resources.files(DATA_PACKAGE).joinpath("data")


@cache
def load_json(relative_path: str) -> Any:
    """Parse one data file, e.g. ``"mwaa_versions.json"`` or ``"generated/context.json"``.

    The result is shared between callers; treat it as read-only.
    """
    node = data_dir()
    for part in relative_path.split("/"):
        node = node.joinpath(part)
    return json.loads(node.read_text(encoding="utf-8"))


def has_json(relative_path: str) -> bool:
    node = data_dir()
    for part in relative_path.split("/"):
        node = node.joinpath(part)
    return node.is_file()
