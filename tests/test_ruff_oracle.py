"""ruff's Airflow 3 rules as an oracle: every AIR301/AIR302 location ruff reports is flagged by us.

ruff (a test dependency) reports the *use* of a moved name; we report the import that binds it
(the fix rewrites the import, and every use follows). So a ruff finding on a name that a
``from`` import binds is matched by a finding of ours on that import's line or on the use's
line. Where ruff is wrong, or reports something a different part of this tool owns, the case is
listed below with the reason, and the test checks that ruff still reports it (so the list does
not rot).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import EXAMPLE_PROJECT, write_files
from migrator.compat import get_version

from migrator.analysis.python import ModuleFacts
from migrator.config import Settings
from migrator.engine import scan
from migrator.rules import all_rules

ORACLE_CODES = ("AIR301", "AIR302")

# (path, line, ruff message fragment) -> why we do not report it there.
KNOWN_DIFFERENCES: dict[tuple[str, int, str], str] = {}


def ruff_available() -> bool:
    result = subprocess.run([sys.executable, "-m", "ruff", "--version"], check=False, capture_output=True,
                            text=True)
    return result.returncode == 0


pytestmark = pytest.mark.skipif(not ruff_available(), reason="ruff is not installed (test extra)")


def run_ruff(root: Path) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--preview", "--no-cache", "--select", "AIR3",
         "--output-format", "json", "--exit-zero", "."],
        cwd=root, capture_output=True, text=True, check=True)
    return [item for item in json.loads(result.stdout) if item["code"] in ORACLE_CODES]


def _binding_import_lines(module: ModuleFacts, line: int, column: int) -> set[int]:
    """Lines of the imports that bind the name ruff points at (1-based column)."""
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Name) and node.lineno == line and node.col_offset == column - 1:
            return {imported.alias.lineno for imported in module.imports if imported.local == node.id}
    return set()


def unmatched(root: Path, findings) -> list[tuple[str, int, str]]:
    """ruff's AIR301/AIR302 locations under ``root`` that none of our findings covers."""
    ours: dict[str, set[int]] = {}
    for finding in findings:
        # A use of a removed name is shown as a related location of its import's finding.
        for path, location in [(finding.path, finding.location), *((r.path, r.location) for r in finding.related)]:
            ours.setdefault(path, set()).add(location.line)
    missing = []
    modules: dict[str, ModuleFacts] = {}
    for item in run_ruff(root):
        path = Path(item["filename"]).resolve().relative_to(root.resolve()).as_posix()
        line, column = item["location"]["row"], item["location"]["column"]
        if path not in modules:
            modules[path] = ModuleFacts.from_file(root, root / path)
        accepted = {line} | _binding_import_lines(modules[path], line, column)
        if not accepted & ours.get(path, set()):
            missing.append((path, line, item["message"]))
    return missing


def _known(path: str, line: int, message: str) -> bool:
    return any(p == path and n == line and fragment in message for p, n, fragment in KNOWN_DIFFERENCES)


def test_example_project_covers_ruff(tmp_path):
    root = write_files(tmp_path / "project", {
        p.relative_to(EXAMPLE_PROJECT).as_posix(): p.read_bytes()
        for p in EXAMPLE_PROJECT.rglob("*") if p.is_file() and ".ruff_cache" not in p.parts})
    result = scan(root, Settings(), get_version(None), jobs=1)
    missing = [m for m in unmatched(root, result.findings) if not _known(*m)]
    assert missing == [], "ruff reports these, we do not:\n" + "\n".join(map(str, missing))
    reported = {(p, n, m) for p, n, m in unmatched(root, [])}
    for path, line, fragment in KNOWN_DIFFERENCES:  # the list must not outlive ruff's behaviour
        assert any(p == path and n == line and fragment in m for p, n, m in reported), (path, line, fragment)


def test_oracle_notices_a_missing_finding(tmp_path):
    """The comparison itself works: without our import rules, ruff's findings go unmatched."""
    root = write_files(tmp_path / "p", {"dags/d.py": (
        "from airflow.operators.bash_operator import BashOperator\n\n"
        "BashOperator(task_id='a', bash_command='echo')\n")})
    result = scan(root, Settings(ignore=("API",)), get_version(None), jobs=1)
    assert unmatched(root, result.findings) == [
        ("dags/d.py", 3, next(i["message"] for i in run_ruff(root)))]
    result = scan(root, Settings(), get_version(None), jobs=1)
    assert unmatched(root, result.findings) == []


def _fixture_projects(base: Path) -> dict[str, Path]:
    """One project per VALID/INVALID example of the API rules that checks the default target
    (ruff knows only Airflow 3)."""
    projects = {}
    for rule in all_rules():
        if rule.family != "API":
            continue
        for kind, examples in (("valid", rule.valid), ("invalid", rule.invalid)):
            for index, example in enumerate(examples):
                if example.target is not None or example.crash:
                    continue
                name = f"{rule.id}-{kind}{index}"
                projects[name] = write_files(base / name, example.all_files())
    return projects


def test_rule_fixtures_cover_ruff(tmp_path):
    projects = _fixture_projects(tmp_path)
    assert projects, "no API rule fixtures found"
    missing = []
    for name, root in projects.items():
        result = scan(root, Settings(), get_version(None), jobs=1)
        missing += [(name, *m) for m in unmatched(root, result.findings) if not _known(*m)]
    assert missing == [], "ruff reports these in rule fixtures, we do not:\n" + "\n".join(map(str, missing))
