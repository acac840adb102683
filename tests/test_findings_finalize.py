"""Finalizing findings file by file (in scan workers) gives what finalizing them all at once
gives: the same order, the same duplicates dropped, the same fingerprints."""

from __future__ import annotations

import dataclasses
import random

from migrator.findings import Finding, Location, Severity, finalize


def made(path: str, line: int, rule: str = "API001", anchor: str = "") -> Finding:
    return Finding(rule, "name", Severity.ERROR, path, Location(line, 1, line, 5), f"message {line % 3}",
                   anchor=anchor)


def fresh(findings: list[Finding]) -> list[Finding]:
    return [dataclasses.replace(f, fingerprint="") for f in findings]


def test_per_file_finalizing_equals_finalizing_everything():
    rng = random.Random(7)
    paths = [f"dags/d{i}.py" for i in range(6)] + ["requirements.txt", "."]
    everything = [made(rng.choice(paths), rng.randint(1, 9), rng.choice(["API001", "CON001"]),
                       rng.choice(["", "same anchor"])) for _ in range(400)]
    expected = [(f, f.fingerprint) for f in finalize(fresh(everything))]

    by_path: dict[str, list[Finding]] = {}
    for finding in fresh(everything):
        by_path.setdefault(finding.path, []).append(finding)
    workers = {path: finalize(group) for path, group in by_path.items() if path.endswith(".py")}
    finalized = [f for group in workers.values() for f in group]
    loose = [f for path, group in by_path.items() if not path.endswith(".py") for f in group]
    # Project rules' findings of DAG files: one of a rule the file's own findings lack (merged
    # in order), one sorting first among a rule's findings there (that file finalized again).
    first_of_its_rule = dataclasses.replace(made("dags/d3.py", 1, "API001", "same anchor"), message="a message")
    extra = [made("dags/d2.py", 4, "PLG001"), first_of_its_rule]
    assert any(f.rule == "API001" and f.anchor == "same anchor" for f in workers["dags/d3.py"])
    result = finalize(loose + extra, finalized)

    with_extra = [(f, f.fingerprint) for f in finalize(fresh(everything) + fresh(extra))]
    assert [(f, f.fingerprint) for f in result] == with_extra
    assert len(expected) + 2 == len(with_extra) < len(everything)  # duplicates were dropped
    assert len({f.fingerprint for f in result}) == len(result)
