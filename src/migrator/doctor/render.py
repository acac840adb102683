"""The report as text, json or markdown. Every line shown was masked when it was read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from migrator.doctor.model import Diagnosis, Evidence, Report

SCHEMA_VERSION = 1


def _when(timestamp: int | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _summary(report: Report) -> str:
    verdict = ("no failure found" if report.healthy
               else f"{len(report.diagnoses)} problem{'s' if len(report.diagnoses) != 1 else ''} found")
    return (f"{report.environment}: {verdict} ({report.events_read} log events read from "
            f"{len(report.groups_read)} log groups)")


def _more(diagnosis: Diagnosis) -> int:
    return diagnosis.occurrences - len(diagnosis.evidence)


def render_text(report: Report) -> str:
    lines = [_summary(report)]
    for diagnosis in report.diagnoses:
        lines += ["", f"{diagnosis.id} {diagnosis.title} (x{diagnosis.occurrences})",
                  f"  cause: {diagnosis.cause}", f"  fix:   {diagnosis.fix}"]
        for evidence in diagnosis.evidence:
            at = "" if evidence.timestamp is None else f" at {_when(evidence.timestamp)}"
            lines += [f"  seen:  {evidence.where} {evidence.stream}{at}",
                      f"         {evidence.text}"]
        if _more(diagnosis) > 0:
            lines.append(f"         ... and {_more(diagnosis)} more")
        lines += [f"  project: {link.path}:{link.line} {link.rule} {link.message}" for link in diagnosis.project]
    if report.warnings:
        lines.append("")
        lines += [f"warning: {warning}" for warning in report.warnings]
    return "\n".join(lines) + "\n"


def _evidence_document(evidence: Evidence) -> dict:
    return {"where": evidence.where, "stream": evidence.stream, "timestamp": evidence.timestamp,
            "time": _when(evidence.timestamp) if evidence.timestamp is not None else None,
            "text": evidence.text}


def render_json(report: Report) -> str:
    document = {
        "schema_version": SCHEMA_VERSION, "environment": report.environment,
        "healthy": report.healthy, "events_read": report.events_read,
        "groups_read": list(report.groups_read), "warnings": list(report.warnings),
        "diagnoses": [{"id": d.id, "title": d.title, "cause": d.cause, "fix": d.fix,
                       "source": d.source, "occurrences": d.occurrences,
                       "evidence": [_evidence_document(e) for e in d.evidence],
                       "project": [{"path": link.path, "line": link.line, "rule": link.rule,
                                    "message": link.message} for link in d.project]}
                      for d in report.diagnoses],
    }
    return json.dumps(document, indent=2) + "\n"


def _code(text: str) -> str:
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def render_markdown(report: Report) -> str:
    lines = [f"# migrator doctor: {report.environment}", "", _summary(report)]
    for diagnosis in report.diagnoses:
        lines += ["", f"## {diagnosis.id} {diagnosis.title} (x{diagnosis.occurrences})", "",
                  f"**Cause.** {diagnosis.cause}", "", f"**Fix.** {diagnosis.fix}", "",
                  "| where | stream | time | line |", "|---|---|---|---|"]
        for evidence in diagnosis.evidence:
            cells = [evidence.where, evidence.stream, _when(evidence.timestamp), _code(evidence.text)]
            lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
        if _more(diagnosis) > 0:
            lines += ["", f"... and {_more(diagnosis)} more."]
        if diagnosis.project:
            lines += ["", "In the project:", ""]
            lines += [f"- `{link.path}:{link.line}` {link.rule}: {link.message}" for link in diagnosis.project]
        lines += ["", f"Source: {diagnosis.source}"]
    if report.warnings:
        lines += ["", "## Warnings", ""] + [f"- {warning}" for warning in report.warnings]
    return "\n".join(lines) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "markdown": render_markdown}
