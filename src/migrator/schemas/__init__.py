"""The JSON Schema (draft 2020-12) of the reports: ``scan -f json`` (and baselines) and
``migrate``'s report.json, shipped as ``report.schema.json`` beside this module.

``SCHEMA_VERSION`` is what every report says in ``schema_version``: raise it when a field is
removed or changes meaning (adding one to an open object is not a new version), together with
the ``const`` in the schema file.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from migrator import __version__

SCHEMA_VERSION = "1"
REPORT_SCHEMA = "report.schema.json"


def tool_info() -> dict[str, str]:
    """The ``tool`` block of every JSON document the tool writes (reports, verify results)."""
    return {"name": "mwaa-migrator", "version": __version__}


def report_schema_text() -> str:
    return resources.files(__name__).joinpath(REPORT_SCHEMA).read_text(encoding="utf-8")


def report_schema() -> dict[str, Any]:
    return json.loads(report_schema_text())
