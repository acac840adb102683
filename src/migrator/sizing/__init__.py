"""Environment sizing: from a project's DAGs (and optionally its task history and verify parse
times) to an MWAA environment class, worker and scheduler counts, config overrides and a
monthly cost, in a report that shows every number it used.

``size_project(root, settings, target, region=..., history_path=..., verify_path=...)`` returns
the report document (a dict, the JSON output); ``render(fmt, document)`` turns it into
markdown, json or html. docs/sizing.md describes the model and the history export queries.
"""

from migrator.sizing.render import FORMATS, render
from migrator.sizing.report import DEFAULT_REGION, size_project

__all__ = ["DEFAULT_REGION", "FORMATS", "render", "size_project"]
