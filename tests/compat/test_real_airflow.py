"""Import every final path the resolver produces for core, SDK and the providers MWAA
preinstalls, in a real ``apache-airflow==<target>`` installed with that target's constraints.

The venvs come from ``migrator.airflow_env`` (the ones ``migrator verify`` uses, cached), so
reruns only pay for the imports. A missing or broken path fails the test with the list of
failures.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from kb_paths import MWAA_DATA
from migrator.compat import deprecated_alias, final_paths, get_version

from migrator.airflow_env import ensure_airflow_env
from migrator.analysis import airflow_api

pytestmark = pytest.mark.airflow

# Runs inside the target venv: imports each path (module, or module + attribute chain) and
# prints the failures as JSON. Kept free of project imports on purpose.
IMPORT_CHECK = r"""
import importlib, json, sys, warnings
warnings.simplefilter("ignore")
paths = json.load(sys.stdin)
failures = {}
for path in paths:
    parts = path.split(".")
    error = None
    for end in range(len(parts), 0, -1):
        module_name = ".".join(parts[:end])
        try:
            obj = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name) and end > 1:
                continue
            error = f"{type(exc).__name__}: {exc}"
            break
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            break
        try:
            for attribute in parts[end:]:
                obj = getattr(obj, attribute)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
        break
    else:
        error = "no importable prefix"
    if error:
        failures[path] = error
# Airflow logs to stdout while importing; the report goes to its own file.
with open(sys.argv[1], "w") as handle:
    json.dump({"checked": len(paths), "failures": failures}, handle)
"""


def _import_report(target: str, paths: list[str], tmp_path) -> dict:
    """``IMPORT_CHECK``'s report for ``paths`` in the real Airflow of ``target``."""
    env = ensure_airflow_env(get_version(target), MWAA_DATA / target / "airflow_constraints.txt")
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    report_file = tmp_path / "report.json"
    result = subprocess.run([str(env.python), "-c", IMPORT_CHECK, str(report_file)], check=False,
                            input=json.dumps(paths), capture_output=True, text=True, env=environment,
                            timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(report_file.read_text())
    assert report["checked"] == len(paths)
    return report


@pytest.mark.parametrize("target", ["2.11.2", "3.3.1"])
def test_resolver_final_paths_import_in_real_airflow(target, tmp_path):
    paths = sorted({r.new for r in final_paths(get_version(target)).values()
                    if r.new and r.preinstalled})
    assert len(paths) > 100
    report = _import_report(target, paths, tmp_path)
    summary = f"MWAA {target}: checked {report['checked']} final paths, {len(report['failures'])} failed"
    print(summary)
    assert report["failures"] == {}, summary


def test_deprecated_aliases_import_as_written_in_real_airflow(tmp_path):
    """Every old name API001 calls a working deprecated alias on 3.3.1 (read from the wheel's
    add_deprecated_classes tables and module __getattr__s) imports as written there."""
    version = get_version("3.3.1")
    aliases = sorted(name for name in final_paths(version)
                     if deprecated_alias(name, version) is not None
                     and (verdict := airflow_api.import_verdict(name, version)) is not None and verdict.works)
    assert {"airflow.utils.context.Context", "airflow.models.dag.DAG", "airflow.utils.state.JobState"} <= set(aliases)
    report = _import_report("3.3.1", aliases, tmp_path)
    assert report["failures"] == {}, f"{len(report['failures'])} of {len(aliases)} aliases do not import"
