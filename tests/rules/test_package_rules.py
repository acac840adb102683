"""The PKG rules: every check code the bundle reports is one, and each rule's VALID and INVALID
examples are projects packaged for real (scan, then ``build_bundle``), as ``migrator package``
does, or, for a situation no offline project shows, the facts a build records, given to the
rule's ``check``: an INVALID example gets a check of its rule, a VALID one none."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from migrator.compat import get_version

import migrator.bundle
from migrator.bundle.build import build_bundle
from migrator.bundle.model import BundleOptions
from migrator.config import Settings
from migrator.engine import scan, selected_rules
from migrator.rules import PackageRule, all_rules

PACKAGE_RULES = [rule for rule in all_rules() if isinstance(rule, PackageRule)]


def _built_checks() -> list[str]:
    """Where the bundle's source builds a ``BundleCheck(...)`` itself: nowhere, every check is a
    rule's (made by its ``report``)."""
    built = []
    for path in Path(migrator.bundle.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "BundleCheck":
                built.append(f"{path.name}:{node.lineno}")
    return built


def test_the_bundle_builds_no_check_itself():
    assert _built_checks() == []


def test_every_package_rule_owns_its_check():
    for rule in PACKAGE_RULES:
        assert type(rule).check is not PackageRule.check, f"{rule.id} has no check of its own"


def test_no_rule_reports_anything_of_empty_facts():
    from migrator.bundle.facts import BundleFacts

    assert [c for rule in PACKAGE_RULES for c in rule.check(BundleFacts())] == []


def test_scan_runs_no_package_rule():
    selected = selected_rules(Settings(), get_version(None))
    assert PACKAGE_RULES and not any(isinstance(rule, PackageRule) for rule in selected)


CASES = [
    pytest.param(rule, kind, example, id=f"{rule.id}-{rule.name}-{kind}{i}")
    for rule in PACKAGE_RULES
    for kind, examples in (("valid", rule.valid), ("invalid", rule.invalid))
    for i, example in enumerate(examples)
]


@pytest.mark.parametrize(("rule", "kind", "example"), CASES)
def test_package_rule_example(rule, kind, example, make_project, tmp_path):
    if example.facts is not None:  # the facts a build records, given to the rule itself
        checks = list(rule.check(example.facts))
    else:
        root = make_project(example.all_files())
        result = scan(root, Settings(), example.target_version(), jobs=1, use_cache=False)
        checks = build_bundle(result, tmp_path / "bundle", BundleOptions(**rule.example_options)).checks
    hits = [check for check in checks if check.code == rule.name]
    if kind == "valid":
        assert hits == [], f"VALID example of {rule.id} got: {[c.message for c in hits]}"
        return
    assert hits, f"INVALID example of {rule.id} got no {rule.name} check: {[str(c) for c in checks]}"
    if example.contains is not None:
        assert any(example.contains in check.message for check in hits), [c.message for c in hits]


def test_a_rule_is_a_pure_function_of_the_facts():
    """DagCapacity from facts alone: the class's own capacity decides error or warning."""
    from migrator.compat import environment_classes

    from migrator.bundle.facts import BundleFacts, Capacity
    from migrator.dag_count import DagCount
    from migrator.findings import Severity
    from migrator.rules import get_rule

    rule = get_rule("dag-capacity")
    small = environment_classes()[0]
    largest = environment_classes()[-1].dag_capacity

    def checks(dags: int, cls=small, fitting=None):
        capacity = Capacity(DagCount(dags, dags), cls, fitting, largest, 0.5)
        return [(c.severity, c.code) for c in rule.check(BundleFacts(capacity=capacity))]

    assert checks(small.dag_capacity + 1) == [(Severity.ERROR, "dag-capacity")]
    assert checks(small.dag_capacity) == [(Severity.WARNING, "dag-capacity")]
    assert checks(1) == []
    assert checks(largest + 1, cls=None) == [(Severity.ERROR, "dag-capacity")]
    assert checks(1, cls=None, fitting=small) == []


def test_a_facts_example_is_a_pkg_rule_s_and_has_no_files():
    from migrator.bundle.facts import BundleFacts
    from migrator.rules.base import Invalid, ProjectRule, Valid

    def problems(base, **extra):
        cls = type("Probe", (base,), {
            "__doc__": "\n".join(f"## {s}\nx" for s in ("What it does", "Why it matters on MWAA",
                                                          "Example", "Fix", "References")),
            "id": "PKG999", "name": "probe", "summary": "probe",
            "valid": (Valid(facts=BundleFacts(), **extra),), "invalid": (Invalid("x = 1"),)})
        return [p for p in cls.validate_metadata() if "facts example" in p]

    assert problems(PackageRule) == []
    assert problems(ProjectRule) and problems(PackageRule, files={"requirements.txt": "x\n"})
