"""The registry's index (``migrator.rules.rule_index``): what a run needs to choose its rules,
kept from the last full import of the same code, so that a scan imports only the rules it runs
(issue #20: the project and package rules are a fifth of a scan's imports)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from migrator import cache
from migrator.rules import PythonRule, RuleEntry, RuleSelection, all_rules, rule_index


def test_the_index_says_of_each_rule_what_the_rule_says():
    assert [(e.id, e.applies_to) for e in rule_index()] == [(r.id, r.applies_to) for r in all_rules()]
    for entry, rule in zip(rule_index(), all_rules()):
        assert entry.load() is rule
        assert entry.kind == next(base.__name__ for base in type(rule).__mro__ if base.__name__ in
                                  ("PythonRule", "ProjectRule", "PackageRule"))


def test_a_selection_is_a_sequence_of_its_rules_in_order():
    entries = [e for e in rule_index() if e.id.startswith(("API", "REQ"))]
    selection = RuleSelection(entries)
    assert len(selection) == len(entries) and selection.ids == tuple(e.id for e in entries)
    assert [r.id for r in selection] == list(selection.ids) and selection[-1].id == entries[-1].id
    assert [r.id for r in selection[:2]] == [e.id for e in entries[:2]]
    python = [e.id for e in entries if e.kind == "PythonRule"]
    assert python and [r.id for r in selection.of_kind(PythonRule)] == python
    assert all(isinstance(r, PythonRule) for r in selection.of_kind(PythonRule))
    assert RuleSelection.of_ids(["REQ001", "API001", "NOPE"]).ids == ("API001", "REQ001")


# Prints, after the index is read, the rule modules loaded besides those of PythonRules.
_DRIVER = """
import sys
from migrator.rules import PythonRule, RuleSelection, rule_index
entries = rule_index()
RuleSelection(entries).of_kind(PythonRule)
print(sorted({e.module for e in entries if e.kind != "PythonRule"} & set(sys.modules)))
"""


def _run(cache_dir) -> str:
    env = {**os.environ, cache.SCAN_CACHE_ENV_VAR: str(cache_dir)}
    return subprocess.run([sys.executable, "-c", _DRIVER], capture_output=True, text=True, env=env,
                           timeout=120, check=True).stdout.strip()


def test_the_index_is_kept_and_then_read_without_importing_the_rules(tmp_path):
    first = _run(tmp_path)
    assert first != "[]"  # no index kept yet: every rule was imported to make it
    assert (tmp_path / "rule-index.pickle").is_file()
    assert _run(tmp_path) == "[]"


@pytest.mark.parametrize("kept", [b"", b"not a pickle", None])
def test_an_unreadable_or_foreign_index_is_made_again(tmp_path, kept):
    path = tmp_path / "rule-index.pickle"
    if kept is None:  # one kept for other code (another version of a rule)
        _run(tmp_path)
        memo = cache.ToolMemo.__new__(cache.ToolMemo)
        memo.path, memo.key = path, "another tool's key"
        memo.save((RuleEntry("API001", "PythonRule", "", "migrator.rules.api.gone", "Gone"),))
    else:
        path.write_bytes(kept)
    assert _run(tmp_path) != "[]"
    assert _run(tmp_path) == "[]"


def test_a_tool_memo_is_read_back_under_its_key_alone(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.SCAN_CACHE_ENV_VAR, str(tmp_path))
    memo = cache.ToolMemo("facts")
    assert memo.load() is None
    memo.save(("a", ["shared", "shared"]))
    assert cache.ToolMemo("facts").load() == ("a", ["shared", "shared"])
    assert cache.ToolMemo("other").load() is None
