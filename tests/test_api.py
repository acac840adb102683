"""The library API (docs/api.md): the documented example runs on the example project and prints
what the page says; importing migrator stays cheap; the API's names survive their namesake
modules being imported."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys

import pytest
from conftest import EXAMPLE_PROJECT, REPO

import migrator

API_DOC = REPO / "docs" / "api.md"


def fenced(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", API_DOC.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)


def without_numbers(text: str) -> list[str]:
    """Lines with their numbers as N: the counts move as rules change, the shape must not."""
    return [re.sub(r"\d+", "N", line) for line in text.splitlines()]


def test_the_documented_example_runs_and_prints_what_the_page_shows(tmp_path, monkeypatch):
    shutil.copytree(EXAMPLE_PROJECT, tmp_path / "examples" / "onprem-project",
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(tmp_path)
    (example,) = fenced("python")
    (shown,) = fenced("text")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(example, str(API_DOC), "exec"), {})  # noqa: S102  (the page's own example)
    assert without_numbers(printed.getvalue()) == without_numbers(shown)
    assert (tmp_path / "mwaa-out" / "report.json").is_file()


def test_input_errors_raise_input_error_naming_the_problem(tmp_path):
    with pytest.raises(migrator.InputError, match="no such directory"):
        migrator.scan(tmp_path / "missing")
    with pytest.raises(migrator.InputError, match="XYZ"):
        migrator.scan(EXAMPLE_PROJECT, select=["XYZ"])
    with pytest.raises(migrator.InputError, match="1.2.3"):
        migrator.plan_fixes(EXAMPLE_PROJECT, target="1.2.3")


def test_importing_migrator_loads_no_engine():
    code = "import sys, migrator; print(sorted(m for m in sys.modules if m.startswith('migrator')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['migrator']"


def test_the_api_names_stay_functions_after_their_namesake_modules_are_imported():
    import migrator.fix  # sets the package's attribute "fix"
    import migrator.migrate

    assert migrator.plan_fixes.__module__ == migrator.migrate_project.__module__ == "migrator.api"
    assert all(getattr(migrator, name) is not None for name in migrator.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        migrator.nothing  # noqa: B018
