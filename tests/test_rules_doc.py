"""docs/rules.md is generated from the rules and kept in step with them."""

from __future__ import annotations

from conftest import REPO

from migrator.reporters import rulesdoc
from migrator.rules import all_rules


def test_docs_rules_md_is_up_to_date():
    expected = rulesdoc.render(all_rules())
    actual = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "run: migrator rules --format markdown > docs/rules.md"


def test_every_rule_has_a_section():
    text = rulesdoc.render(all_rules())
    for rule in all_rules():
        assert f"### {rule.id} {rule.name}" in text
        assert "#### Why it matters on MWAA" in text
