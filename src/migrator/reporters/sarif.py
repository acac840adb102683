"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Only rules that fired are listed, each with its help text; fingerprints go in
``partialFingerprints``. Locations are relative to ``%SRCROOT%``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from migrator.reporters.jsonout import dumps
from migrator.rules.base import Rule, doc_section

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
INFORMATION_URI = "https://pypi.org/project/mwaa-migrator/"


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    cls = type(rule)
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": doc_section(cls, "What it does")},
        "help": {"text": rule.documentation, "markdown": rule.documentation},
        "defaultConfiguration": {"level": LEVELS[rule.severity.label]},
        "properties": {"family": rule.family, "fix": rule.fix_safety.value,
                       "tags": [rule.family, rule.name]},
    }


def render(document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> str:
    fired = sorted({f["rule"] for f in document["findings"]})
    by_id = {r.id: r for r in rules}
    descriptors = [_rule_descriptor(by_id[rid]) for rid in fired if rid in by_id]
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for f in document["findings"]:
        result: dict[str, Any] = {
            "ruleId": f["rule"],
            "level": LEVELS[f["severity"]],
            "message": {"text": f["message"]},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": f["path"], "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f["line"], "startColumn": f["column"],
                               "endLine": f["end_line"], "endColumn": f["end_column"]},
                }
            }],
            "partialFingerprints": {"mwaaMigrator/v1": f["fingerprint"]},
        }
        if f["rule"] in index:
            result["ruleIndex"] = index[f["rule"]]
        if f["fix"]:
            result["properties"] = {"fix": f["fix"]}
        results.append(result)
    target = document["target"]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": document["tool"]["name"],
                "version": document["tool"]["version"],
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The scanned project's root"}}},
            "results": results,
            "properties": {"target": target},
        }],
    }
    return dumps(log)
