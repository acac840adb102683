"""``fix`` on the bundled example project with the real rules: fixpoint, untouched files, ruff.

- after ``fix --apply``, a scan reports none of the findings the fix fixed;
- a second ``fix`` changes nothing;
- files the fix had no reason to touch are byte-identical;
- ruff's own Airflow 3 rules (``AIR301``/``AIR302``, the checks Airflow's upgrade guide points
  to) report nothing on the lines the fix wrote.
"""

from __future__ import annotations

import difflib
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import EXAMPLE_PROJECT
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.engine import scan
from migrator.fix import apply_plan, plan_fixes
from migrator.rules import PythonRule

CASES = [("3.3.1", False), ("3.3.1", True), ("2.11.2", False)]


class Fixed:
    """The example copied, scanned, fixed (``apply``) and scanned again."""

    def __init__(self, root: Path, target: str, unsafe: bool) -> None:
        shutil.copytree(EXAMPLE_PROJECT, root, ignore=shutil.ignore_patterns(".ruff_cache", "__pycache__"))
        self.root = root
        self.target = get_version(target)
        self.unsafe = unsafe
        self.settings = load_settings(root)
        self.before = scan(root, self.settings, self.target, jobs=1, use_cache=False)
        self.plan = plan_fixes(root, self.settings, self.target, unsafe=unsafe, result=self.before)
        self.written = apply_plan(root, self.plan)
        self.after = scan(root, self.settings, self.target, jobs=1, use_cache=False)


def case_id(case: tuple[str, bool]) -> str:
    return f"{case[0]}{'-unsafe' if case[1] else ''}"


@pytest.fixture(scope="module")
def fixed_projects(tmp_path_factory):
    """Each (target, unsafe) case is built once per module and shared by the tests."""
    built: dict[tuple[str, bool], Fixed] = {}

    def get(case: tuple[str, bool]) -> Fixed:
        if case not in built:
            built[case] = Fixed(tmp_path_factory.mktemp("fixed") / "project", *case)
        return built[case]

    return get


@pytest.fixture(params=CASES, ids=case_id)
def fixed(request, fixed_projects) -> Fixed:
    return fixed_projects(request.param)


@pytest.fixture(params=[c for c in CASES if c[0].startswith("3.")], ids=case_id)
def fixed_for_airflow3(request, fixed_projects) -> Fixed:
    """AIR301/AIR302 describe Airflow 3, so the ruff oracle applies to 3.x targets."""
    return fixed_projects(request.param)


def key(finding) -> tuple[str, str, str]:
    return finding.rule, finding.path, finding.message


def test_the_fix_fixes_something(fixed):
    assert fixed.written and sum(fixed.plan.fixed.values()) >= 20
    assert set(fixed.written) == set(fixed.plan.files)


def test_scan_after_the_fix_reports_none_of_the_fixed_findings(fixed):
    # Reported findings and those folded into them as related locations alike.
    left = Counter(map(key, [*fixed.plan.remaining, *fixed.plan.absorbed]))
    fixed_keys = Counter(map(key, fixed.before.all_findings)) - left
    assert sum(fixed_keys.values()) >= sum(fixed.plan.fixed.values())
    new = Counter(map(key, fixed.after.all_findings)) - left
    assert not set(new) & set(fixed_keys), sorted(set(new) & set(fixed_keys))


def test_what_the_plan_left_is_what_the_scan_finds_in_the_code(fixed):
    # Per-module rules' findings are re-derived from the fixed text in memory; they must match
    # a scan of the written files. (Project rules can change with the requirements fix.)
    per_module = {r.id for r in fixed.before.rules if isinstance(r, PythonRule)}

    def python_keys(findings):
        return Counter(key(f) for f in findings if f.rule in per_module)

    assert python_keys(fixed.after.findings) == python_keys(fixed.plan.remaining)


def test_a_second_fix_changes_nothing(fixed):
    again = plan_fixes(fixed.root, fixed.settings, fixed.target, unsafe=fixed.unsafe)
    assert again.files == {}
    assert sum(again.fixed.values()) == 0


def test_files_without_fixes_are_byte_identical(fixed):
    for source in EXAMPLE_PROJECT.rglob("*"):
        rel = source.relative_to(EXAMPLE_PROJECT).as_posix()
        if source.is_file() and ".ruff_cache" not in rel and "__pycache__" not in rel and rel not in fixed.written:
            assert (fixed.root / rel).read_bytes() == source.read_bytes(), rel
    # The team's template DAG is already written for Airflow 2 and 3.
    assert "dags/finance_gl_export.py" not in fixed.written


def test_planning_is_deterministic(fixed, tmp_path):
    again = Fixed(tmp_path / "again", fixed.target.airflow, fixed.unsafe)
    assert again.plan.files == fixed.plan.files


def ruff(root: Path, select: str) -> list[dict]:
    folders = [p for p in ("dags", "plugins") if (root / p).is_dir()]
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--no-cache", "--preview", "--select",
         select, "--output-format", "json", "--exit-zero", *folders],
        cwd=root, capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


def ruff_airflow3(root: Path) -> list[dict]:
    return ruff(root, "AIR301,AIR302")


def written_lines(old: bytes, new: bytes) -> set[int]:
    """1-based line numbers of ``new`` that the fix wrote (replaced or inserted)."""
    matcher = difflib.SequenceMatcher(None, old.decode().splitlines(), new.decode().splitlines(), autojunk=False)
    return {line + 1 for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal" for line in range(j1, j2)}


def test_the_fix_leaves_no_undefined_or_doubly_imported_name(fixed):
    # pyflakes' checks through ruff: a name used but no longer imported (F821), an import that
    # shadows another unused one (F811), an import left unused (F401) - per file, never more
    # than the project had before the fix.
    def by_file(root: Path) -> Counter:
        return Counter((Path(d["filename"]).resolve().relative_to(root.resolve()).as_posix(), d["code"])
                       for d in ruff(root, "F821,F811,F401"))

    before, after = by_file(EXAMPLE_PROJECT), by_file(fixed.root)
    assert after - before == Counter()


def test_ruff_finds_no_airflow3_problem_on_lines_the_fix_wrote(fixed_for_airflow3):
    fixed = fixed_for_airflow3
    before = ruff_airflow3(EXAMPLE_PROJECT)
    after = ruff_airflow3(fixed.root)
    assert len(after) < len(before)
    written = {path: written_lines(old, new) for path, (old, new) in fixed.plan.files.items()
               if path.endswith(".py")}
    on_fixed_lines = [f"{d['filename']}:{d['location']['row']}: {d['message']}" for d in after
                      if d["location"]["row"] in written.get(
                          Path(d["filename"]).resolve().relative_to(fixed.root.resolve()).as_posix(), ())]
    assert on_fixed_lines == []
