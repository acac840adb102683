"""The PKG rules: every check code the bundle reports is one, and each rule's VALID and INVALID
examples are projects packaged for real (scan, then ``build_bundle``), as ``migrator package``
does: an INVALID example gets a check of its rule, a VALID one none."""

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
# Codes whose situation no example project shows offline yet (a gigabyte plugins.zip or set of
# wheels, pip's own verdict in `migrate --verify`, the package index's answers): not rules until
# an example can show them.
WITHOUT_A_RULE = frozenset({
    "plugins-too-large", "requirement-dependencies-unchecked",
    "requirement-version-moved", "requirements-too-large",
})


def _reported_codes() -> set[str]:
    """The code of every ``BundleCheck(severity, "code", ...)`` the bundle's source still builds
    itself: only codes no rule owns (a rule's checks come from its ``check``)."""
    codes = set()
    for path in Path(migrator.bundle.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "BundleCheck" and len(node.args) >= 2):
                code = node.args[1]
                assert isinstance(code, ast.Constant), f"{path.name}:{node.lineno}: a code must be literal"
                codes.add(code.value)
    return codes


def test_the_bundle_builds_checks_only_of_codes_no_rule_owns():
    assert _reported_codes() == WITHOUT_A_RULE
    assert not WITHOUT_A_RULE & {rule.name for rule in PACKAGE_RULES}


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
    root = make_project(example.all_files())
    result = scan(root, Settings(), example.target_version(), jobs=1, use_cache=False)
    bundle = build_bundle(result, tmp_path / "bundle", BundleOptions(**rule.example_options))
    hits = [check for check in bundle.checks if check.code == rule.name]
    if kind == "valid":
        assert hits == [], f"VALID example of {rule.id} got: {[c.message for c in hits]}"
        return
    assert hits, f"INVALID example of {rule.id} got no {rule.name} check: {[str(c) for c in bundle.checks]}"
    if example.contains is not None:
        assert any(example.contains in check.message for check in hits), [c.message for c in hits]


def test_a_rule_is_a_pure_function_of_the_facts():
    """DagCapacity from facts alone: the class's own capacity decides error or warning."""
    from migrator.bundle.facts import BundleFacts, Capacity
    from migrator.compat import environment_classes
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
