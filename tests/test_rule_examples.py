"""Every rule's VALID and INVALID examples, run through the real scan (Fixit-style)."""

from __future__ import annotations

import pytest
from migrator.compat import get_version

from migrator.config import Settings
from migrator.engine import scan
from migrator.findings import APPLIED_ELSEWHERE, FixSafety
from migrator.fix import apply_plan, effective_safety, plan_fixes
from migrator.rules import all_rules
from migrator.rules.base import DOC_SECTIONS, PackageRule, doc_sections

CASES = [
    pytest.param(rule, kind, example, id=f"{rule.id}-{rule.name}-{kind}{i}")
    for rule in all_rules()
    if not isinstance(rule, PackageRule)  # packaged, not scanned: tests/rules/test_package_rules.py
    for kind, examples in (("valid", rule.valid), ("invalid", rule.invalid))
    for i, example in enumerate(examples)
]


@pytest.mark.parametrize(("rule", "kind", "example"), CASES)
def test_rule_example(rule, kind, example, make_project):
    root = make_project(example.all_files())
    select = (rule.id, example.crash) if example.crash and ":" not in example.crash else (rule.id,)
    target = example.target_version()
    result = scan(root, Settings(select=select), target, jobs=1, crash=example.crash)
    hits = [f for f in result.findings if f.rule == rule.id]
    if kind == "valid":
        assert hits == [], f"VALID example of {rule.id} produced: {[f.message for f in hits]}"
        return
    assert hits, f"INVALID example of {rule.id} produced no finding"
    if example.line is not None:
        assert example.line in {f.location.line for f in hits}, [f.location for f in hits]
    if example.contains is not None:
        assert any(example.contains in f.message for f in hits), [f.message for f in hits]


FIXED_CASES = [case for case in CASES if case.values[2].fixed is not None]


@pytest.mark.parametrize(("rule", "kind", "example"), FIXED_CASES)
def test_invalid_example_is_fixed_to_its_fixed_text_and_the_rule_is_then_silent(rule, kind, example, make_project):
    root = make_project(example.all_files())
    settings, target = Settings(select=(rule.id,)), example.target_version()
    apply_plan(root, plan_fixes(root, settings, target, unsafe=True, jobs=1, use_cache=False))
    assert (root / (example.fixed_path or example.path)).read_text(encoding="utf-8") == example.fixed
    result = scan(root, settings, target, jobs=1, use_cache=False)
    assert [f.message for f in result.findings if f.rule == rule.id] == []


FIXING_RULES = [rule for rule in all_rules() if rule.fix_safety is not FixSafety.NONE]


@pytest.mark.parametrize("rule", FIXING_RULES, ids=lambda r: r.id)
def test_every_rule_that_fixes_shows_the_fixed_text_in_an_example(rule, make_project):
    """A rule that offers a fix shows what ``migrator fix --unsafe`` makes of one INVALID example
    (``fixed=``, checked above): a Python file's new text, or the requirements file's
    (``fixed_path``). Exempt only the rules whose every fix ``fix`` leaves to another step
    (``APPLIED_ELSEWHERE``: a config fix is written into mwaa-config.json by ``package``)."""
    if any(example.fixed is not None for example in rule.invalid):
        return
    kinds = set()
    for example in rule.invalid:
        root = make_project(example.all_files())
        result = scan(root, Settings(select=(rule.id,)), example.target_version(), jobs=1,
                      crash=example.crash)
        kinds |= {f.fix.kind for f in result.findings if f.rule == rule.id and f.fix is not None}
    assert kinds and kinds <= APPLIED_ELSEWHERE.keys(), \
        f"{rule.id} gives {sorted(kinds)} fixes and no INVALID example says its fixed= text"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_declared_fix_safety_is_the_safest_fix_the_rule_gives_on_its_examples(rule, make_project):
    """``fix_safety`` (shown by ``migrator rules``, ``explain`` and SARIF) says what the rule's
    fixes are: none, safe (some, at least), or only unsafe (as applied: the stricter of the
    rule's and the codemod's safety)."""
    given = set()
    for example in rule.invalid:
        if example.facts is not None:  # a PKG rule's BundleFacts, no project: PKG rules fix nothing
            continue
        root = make_project(example.all_files())
        result = scan(root, Settings(select=(rule.id,)), example.target_version(), jobs=1,
                      crash=example.crash)
        given |= {effective_safety(f) for f in result.findings if f.rule == rule.id and f.fix is not None}
    safest = FixSafety.SAFE if FixSafety.SAFE in given else FixSafety.UNSAFE if given else FixSafety.NONE
    assert rule.fix_safety is safest, given


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.id)
def test_rule_metadata_and_docs(rule):
    assert list(doc_sections(type(rule))) == list(DOC_SECTIONS)
    assert rule.valid and rule.invalid, f"{rule.id} needs VALID and INVALID examples"
    assert rule.applies(get_version(None)) or rule.applies_to
