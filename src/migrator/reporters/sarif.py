"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Only rules that fired are listed, each with its help text; fingerprints go in
``partialFingerprints``; the other places of a finding's root cause in ``relatedLocations``.
Locations are relative to ``%SRCROOT%``: the repository's root when ``document["path_prefix"]``
gives the scanned folder's place in it (GitHub code scanning reads them so), else the folder.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from migrator.reporters.jsonout import Records, stream
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


def _physical(place: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": prefix + place["path"], "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": place["line"], "startColumn": place["column"],
                   "endLine": place["end_line"], "endColumn": place["end_column"]},
    }


def _result(finding: dict[str, Any], rule_index: dict[str, int], prefix: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding["rule"],
        "level": LEVELS[finding["severity"]],
        "message": {"text": finding["message"]},
        "locations": [{"physicalLocation": _physical(finding, prefix)}],
        "partialFingerprints": {"mwaaMigrator/v1": finding["fingerprint"]},
    }
    if finding["related"]:
        result["relatedLocations"] = [
            {"id": index, "physicalLocation": _physical(place, prefix), "message": {"text": place["message"]}}
            for index, place in enumerate(finding["related"])]
    if finding["rule"] in rule_index:
        result["ruleIndex"] = rule_index[finding["rule"]]
    if finding["fix"]:
        result["properties"] = {"fix": finding["fix"]}
    return result


def render(document: dict[str, Any], rules: Sequence[Rule], color: bool = False) -> Iterator[str]:
    by_id = {r.id: r for r in rules}
    descriptors = [_rule_descriptor(by_id[rid]) for rid in document["summary"]["by_rule"] if rid in by_id]
    rule_index = {d["id"]: i for i, d in enumerate(descriptors)}
    prefix = document.get("path_prefix", "")
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
            "originalUriBaseIds": {"%SRCROOT%": {"description": {
                "text": "The repository's root" if prefix else "The scanned project's root"}}},
            "results": Records(document["findings"], lambda finding: _result(finding, rule_index, prefix)),
            "properties": {"target": document["target"]},
        }],
    }
    return stream(log)
