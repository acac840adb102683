"""The scan document: the JSON contract every reporter renders (see issue 2 / README), described
by ``migrator/schemas/report.schema.json``."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from migrator.dag_count import project_dag_count
from migrator.findings import Finding, Severity
from migrator.reporters.jsonout import Records
from migrator.schemas import SCHEMA_VERSION, tool_info

if TYPE_CHECKING:  # the engine builds its memo's document with inventory()
    from migrator.engine import ScanResult


def target_info(result: ScanResult) -> dict[str, str]:
    return {"mwaa_version": result.target.airflow, "airflow_version": result.target.airflow,
            "python_version": result.target.python}


def inventory(result: ScanResult) -> dict[str, Any]:
    """The project's inventory, derived once per result (a remembered run brings its own)."""
    if result.inventory is None:
        result.inventory = project_inventory(result)
    return result.inventory


def project_inventory(result: ScanResult) -> dict[str, Any]:
    project = result.project
    modules = project.modules
    operators: Counter[str] = Counter()
    for module in modules:
        operators.update(module.operators)
    referenced_conns = sorted({c for m in modules for c in m.conn_ids})
    dag_count = project_dag_count(project)
    doc: dict[str, Any] = {
        "sources": result.workspace.sources(),
        "python_files": len(modules),
        "dag_files": dag_count.files,
        "dags": dag_count.dags,
        "dags_estimated": dag_count.at_least,  # "at least dags" (migrator.dag_count)
        "dag_ids": sorted({d for m in modules for d in m.dag_ids}),
        "tasks": sum(m.task_count for m in modules),
        "operators": dict(sorted(operators.items())),
        "connections": {"referenced": referenced_conns},
        "variables": {"referenced": sorted({v for m in modules for v in m.variables})},
        "pools": {"used": sorted({p for m in modules for p in m.pools})},
        "skipped": [{"path": p, "reason": r} for p, r in sorted(result.workspace.skipped)],
    }
    # Analyses of other sources add their sections (providers, plugins, definitions, config).
    for section in project.inventory_sections(result.target):
        for key, value in section.items():
            if isinstance(value, dict) and isinstance(doc.get(key), dict):
                doc[key] = {**doc[key], **value}
            else:
                doc[key] = value
    return doc


def summary(result: ScanResult) -> dict[str, Any]:
    findings = result.findings
    by_severity = Counter(f.severity.label for f in findings)
    return {
        "files_scanned": len(result.project.modules),
        "findings": len(findings),
        "by_severity": {s.label: by_severity.get(s.label, 0) for s in sorted(Severity, reverse=True)},
        "by_rule": dict(sorted(Counter(f.rule for f in findings).items())),
        "fixable": sum(1 for f in findings if f.fix is not None),
        "suppressed": result.suppressed,
    }


def scan_document(result: ScanResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool_info(),
        "target": target_info(result),
        "inventory": inventory(result),
        "findings": Records(result.findings, Finding.to_json, Finding.json_text),
        "summary": summary(result),
    }
