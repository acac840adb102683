"""Environment sizing: from a project's DAGs (and optionally its task history and verify parse
times) to an MWAA environment class, worker and scheduler counts, config overrides and a
monthly cost, in a report that shows every number it used.

``sizing.report.size_project(root, settings, target, region=..., history_path=...,
verify_path=...)`` returns the report document (a dict, the JSON output);
``sizing.render.render(fmt, document)`` turns it into markdown, json or html. docs/sizing.md
describes the model and the history export queries.

This ``__init__`` imports nothing: ``migrator.dag_count`` reads DAGs with ``sizing.facts``, and
importing that runs this file first; re-exporting the report here would import ``dag_count``
back (report -> dag_count -> sizing.facts -> sizing -> report).
"""
