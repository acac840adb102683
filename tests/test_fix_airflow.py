"""Fixed DAGs load in a real Apache Airflow of the target (2.11.2 and 3.3.1).

For each target (and 3.3.1 with ``--unsafe``): copy the example, ``fix --apply`` it for that
target, and load the DAG folder with Airflow's DagBag under ``-W always`` (``migrator.verify``:
cached venvs pinned by the MWAA constraints in ../shared/mwaa-data). The providers the fixed requirements.txt gained are
installed beside Airflow, as MWAA would install them.

- DAGs left with no error finding at all (in them or the project modules they import) load;
- the fix introduces no import error: no error left names a module, class or argument on a
  line the fix wrote (a wrong path, a misspelt name, an argument renamed to one the class does
  not take). Errors the fix uncovers (a package missing here, an old argument the provider's
  class rejects) name code the fix did not touch;
- no DAG that loaded before the fix stops loading, and no Airflow deprecation warning comes
  from a line the fix wrote;
- on 3.3.1 several DAGs fail before the fix and load after it (so this test can fail).
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE_PROJECT, SHARED
from migrator.compat import get_version

from migrator.airflow_env import ensure_airflow_env
from migrator.config import load_settings
from migrator.engine import scan
from migrator.findings import Severity
from migrator.fix import apply_plan, plan_fixes
from migrator.verify import load_dags, verify_project

pytestmark = pytest.mark.airflow

DEPRECATION_MARKERS = ("Deprecat", "RemovedInAirflow", "FutureWarning")


def constraints(version: str) -> Path:
    return SHARED / "mwaa-data" / version / "airflow_constraints.txt"


class FixedAndLoaded:
    """The example, loaded before and after ``fix --apply``, in the same Airflow environment."""

    def __init__(self, root: Path, target: str, requirements: Path, unsafe: bool = False) -> None:
        shutil.copytree(EXAMPLE_PROJECT, root, ignore=shutil.ignore_patterns("__pycache__", ".ruff_cache"))
        self.root = root
        self.target = get_version(target)
        self.settings = load_settings(root)
        self.plan = plan_fixes(root, self.settings, self.target, unsafe=unsafe, use_cache=False)
        # What MWAA installs for the DAGs from the fixed requirements.txt: the providers. Both
        # loads get them, so a difference between before and after is the fix's doing.
        fixed_requirements = self.plan.files.get("requirements.txt", (b"", b""))[1].decode()
        requirements.write_text("\n".join(line for line in fixed_requirements.splitlines()
                                          if line.startswith("apache-airflow-providers-")) + "\n",
                                encoding="utf-8")
        self.before = verify_project(root, self.settings, target, constraints=constraints(target),
                                     requirements=requirements)
        apply_plan(root, self.plan)
        self.scan = scan(root, self.settings, self.target, jobs=1, use_cache=False)
        self.after = verify_project(root, self.settings, target, constraints=constraints(target),
                                    requirements=requirements)
        self.requirements = requirements

    def local_imports(self, path: str) -> set[str]:
        """``path`` and the project modules it imports, transitively."""
        workspace = self.scan.workspace
        by_module = {workspace.module_name(rel): rel for rel in workspace.python_files}
        imports = {m.path: m.imports for m in self.scan.project.modules}
        seen, todo = set(), [path]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            for qualname in imports.get(current, ()):
                parts = qualname.split(".")
                for end in range(len(parts), 0, -1):
                    module = by_module.get(".".join(parts[:end]))
                    if module:
                        todo.append(module)
                        break
        return seen

    def left_with_errors(self, path: str) -> bool:
        """The scan still reports an error in the DAG or a project module it imports."""
        files = self.local_imports(path)
        return any(f.path in files and f.severity is Severity.ERROR for f in self.scan.findings)

    def written_lines(self, path: str) -> dict[int, str]:
        """Line number -> text of the lines the fix wrote in ``path`` (replaced or inserted)."""
        if path not in self.plan.files:
            return {}
        old, new = (data.decode().splitlines() for data in self.plan.files[path])
        matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
        return {line + 1: new[line] for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal"
                for line in range(j1, j2)}

    def blame(self, result) -> list[str]:
        """Lines the fix wrote that an import error names (a module, class or argument in quotes).

        An error can also be one the fix uncovered: the module failed earlier before, and now
        gets as far as a problem the fix did not touch (a package missing from the environment,
        an argument the new provider rejects). Those name nothing the fix wrote.
        """
        names = re.findall(r"'([\w.]+)'", result.error or "")
        blamed = []
        for path in sorted(self.local_imports(result.path)):
            for number, text in self.written_lines(path).items():
                if any(re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text) for name in names):
                    blamed.append(f"{path}:{number}: {text.strip()}")
        return blamed


@pytest.fixture(scope="module")
def fixed_and_loaded(tmp_path_factory):
    """Each case's fixed copy, loaded once per module and shared by the tests."""
    built: dict[tuple[str, bool], FixedAndLoaded] = {}

    def get(target: str, unsafe: bool = False) -> FixedAndLoaded:
        if (target, unsafe) not in built:
            folder = tmp_path_factory.mktemp(f"fix-airflow-{target}{'-unsafe' if unsafe else ''}")
            built[target, unsafe] = FixedAndLoaded(folder / "project", target, folder / "providers.txt", unsafe)
        return built[target, unsafe]

    return get


# --unsafe too: its class swaps and renames write the most code a user will review.
CASES = [("3.3.1", False), ("3.3.1", True), ("2.11.2", False)]


@pytest.fixture(params=CASES, ids=[f"{t}{'-unsafe' if u else ''}" for t, u in CASES])
def loaded(request, fixed_and_loaded) -> FixedAndLoaded:
    return fixed_and_loaded(*request.param)


def test_dags_left_without_error_findings_load(loaded):
    after = {f.path: f for f in loaded.after.files}
    clean = [p for p in after if not loaded.left_with_errors(p)]
    assert clean
    assert {p: after[p].error for p in clean if after[p].status != "loaded"} == {}


def test_the_fix_introduces_no_import_error(loaded):
    blamed = {f.path: (f.error, loaded.blame(f)) for f in loaded.after.files
              if f.status != "loaded" and loaded.blame(f)}
    assert blamed == {}


def test_fixed_lines_raise_no_airflow_deprecation_warning(loaded):
    written = {}
    for path, (old, new) in loaded.plan.files.items():
        matcher = difflib.SequenceMatcher(None, old.decode().splitlines(), new.decode().splitlines(),
                                          autojunk=False)
        written[path] = {line + 1 for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal"
                         for line in range(j1, j2)}
    from_fixed_lines = [f"{w.path}:{w.line}: {w.category}: {w.message}"
                        for result in loaded.after.files for w in result.warnings
                        if w.line in written.get(w.path, ()) and any(m in w.category for m in DEPRECATION_MARKERS)]
    assert from_fixed_lines == []


def test_on_331_dags_that_failed_before_the_fix_load_after_it(fixed_and_loaded):
    loaded = fixed_and_loaded("3.3.1")
    before = {f.path: f.status for f in loaded.before.files}
    after = {f.path: f.status for f in loaded.after.files}
    rescued = sorted(p for p, status in after.items() if status == "loaded" and before[p] == "import_error")
    # ml_demand_forecast.py's TaskGroup id (API021) needs the unsafe fix: the safe one rescues the
    # others, and tests/test_task_group_id_airflow.py shows `fix --unsafe` loading that shape.
    assert len(rescued) >= 2, rescued
    # ... because of the fix: each of them is a file the fix changed, or imports one.
    changed = set(loaded.plan.files)
    assert all(loaded.local_imports(p) & changed for p in rescued)


def test_no_dag_that_loaded_before_the_fix_stops_loading(loaded):
    after = {f.path: f.status for f in loaded.after.files}
    broken = [f.path for f in loaded.before.files if f.status == "loaded" and after.get(f.path) != "loaded"]
    assert broken == []


def test_a_fix_that_broke_an_import_would_be_blamed(fixed_and_loaded, tmp_path):
    """The blame check can fail: misspell a module the fix wrote in a DAG that loads, reload it."""
    loaded = fixed_and_loaded("3.3.1")
    after = {f.path: f for f in loaded.after.files}
    path, line = next((p, n) for p in sorted(loaded.plan.files) if p in after and after[p].status == "loaded"
                      for n, text in loaded.written_lines(p).items() if text.startswith("from airflow.providers."))
    broken = tmp_path / "project"
    shutil.copytree(loaded.root, broken)
    lines = (broken / path).read_text(encoding="utf-8").splitlines(keepends=True)
    module = lines[line - 1].split()[1]
    lines[line - 1] = lines[line - 1].replace(module, module + "_typo", 1)
    (broken / path).write_text("".join(lines), encoding="utf-8")
    old, new = loaded.plan.files[path]
    loaded.plan.files[path] = (old, "".join(lines).encode())
    try:
        env = ensure_airflow_env(loaded.target.airflow, constraints(loaded.target.airflow),
                                 extra_requirements=loaded.requirements)
        (result,) = load_dags(env, broken, ["dags"], "plugins", files=[path]).files
        assert result.status == "import_error" and module + "_typo" in result.error
        assert loaded.blame(result) == [f"{path}:{line}: {lines[line - 1].strip()}"]
    finally:
        loaded.plan.files[path] = (old, new)
