"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Only rules that fired are listed, each with its help text; fingerprints go in
``partialFingerprints``; the other places of a finding's root cause in ``relatedLocations``.
Locations are relative to ``%SRCROOT%``: the repository's root when ``document["path_prefix"]``
gives the scanned folder's place in it (GitHub code scanning reads them so), else the folder.

``render_bundle`` writes the checks of a bundle (``migrator package -f sarif``) the same way:
each PKG rule that fired is listed with its documentation, a check's ruleId is its rule's id
(a code no rule owns yet stands as it is), a project file is under ``%SRCROOT%`` and a file of
the bundle (its requirements.txt, startup.sh) under ``BUNDLEROOT``, the output folder.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from migrator.reporters.jsonout import Records, stream
from migrator.rules.base import PackageRule, Rule, doc_section

if TYPE_CHECKING:
    from migrator.bundle.model import BundleCheck

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
INFORMATION_URI = "https://pypi.org/project/mwaa-migrator/"
BUNDLE_ROOT = "BUNDLEROOT"


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


# A check's path may end in the line it points at: "docker-compose.yml:12".
_PATH_LINE = re.compile(r"^(?P<path>.+):(?P<line>[1-9][0-9]*)$")


def _bundle_result(check: BundleCheck, rule: Rule | None, rule_index: dict[str, int],
                   prefix: str) -> dict[str, Any]:
    rule_id = rule.id if rule is not None else check.code
    result: dict[str, Any] = {
        "ruleId": rule_id,
        "level": LEVELS[check.severity.label],
        "message": {"text": check.message},
        "partialFingerprints": {"mwaaMigrator/v1": hashlib.sha256(
            f"{check.code}\x1f{check.path}\x1f{check.message}".encode()).hexdigest()[:32]},
        "properties": {"code": check.code},
    }
    if rule_id in rule_index:
        result["ruleIndex"] = rule_index[rule_id]
    if check.path:
        match = _PATH_LINE.match(check.path)
        path = match["path"] if match else check.path
        physical: dict[str, Any] = {"artifactLocation": (
            {"uri": path, "uriBaseId": BUNDLE_ROOT} if check.in_bundle
            else {"uri": prefix + path, "uriBaseId": "%SRCROOT%"})}
        if match:
            physical["region"] = {"startLine": int(match["line"])}
        result["locations"] = [{"physicalLocation": physical}]
    return result


def render_bundle(checks: Sequence[BundleCheck], rules: Sequence[Rule], *, tool: dict[str, Any],
                  target: dict[str, Any], path_prefix: str = "") -> Iterator[str]:
    """The SARIF log of a bundle's ``checks`` (sorted as the bundle lists them); ``rules``: the
    registry, whose PKG rules give the descriptors; ``path_prefix`` as a scan's."""
    by_name = {r.name: r for r in rules if isinstance(r, PackageRule)}
    fired = sorted({by_name[c.code].id: by_name[c.code] for c in checks if c.code in by_name}.items())
    descriptors = [_rule_descriptor(rule) for _, rule in fired]
    rule_index = {d["id"]: i for i, d in enumerate(descriptors)}
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": tool["name"],
                "version": tool["version"],
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }},
            "originalUriBaseIds": {
                "%SRCROOT%": {"description": {
                    "text": "The repository's root" if path_prefix else "The packaged project's root"}},
                BUNDLE_ROOT: {"description": {"text": "The bundle's folder (migrator package --out)"}},
            },
            "results": Records(checks, lambda check: _bundle_result(
                check, by_name.get(check.code), rule_index, path_prefix)),
            "properties": {"target": target},
        }],
    }
    return stream(log)
