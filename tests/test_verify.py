"""verify without Airflow: requirement splitting, pip's reasons, interpreter choice, constraints,
clear errors, and how verify results become (and merge into) scan findings.

The tests that install and run a real Airflow are in test_verify_airflow.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
from pathlib import Path

import pytest
from migrator.compat import get_version

from migrator import airflow_env, verify_driver
from migrator.airflow_env import (
    EnvironmentSetupError,
    choose_python,
    constraints_file,
    ensure_airflow_env,
    pip_reason,
    split_requirements,
)
from migrator.analysis.requirements import OFFLINE_ENV
from migrator.cli import main
from migrator.config import Settings
from migrator.engine import scan
from migrator.errors import InputError
from migrator.verify import (
    ERROR_CHARS,
    RESULTS_FILE,
    Environment,
    FileResult,
    Lookup,
    VerifyResult,
    WarningEntry,
    _file_result,
    project_requirements,
    read_carried_results,
    render_text,
    verify_project,
)
from migrator.verify_scan import merge_into_scan
from migrator.workspace import discover

MODERN_DAG = """\
from datetime import datetime

from airflow.sdk import DAG

with DAG("nightly", start_date=datetime(2024, 1, 1), schedule=None):
    pass
"""


def closed_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- requirements ------------------------------------------------------------------------------


def test_split_requirements_follows_includes_and_keeps_file_and_line(make_project):
    root = make_project({
        "requirements.txt": (
            "# top comment\n"
            "--extra-index-url https://pypi.example.invalid/simple\n"
            "-c https://raw.githubusercontent.com/apache/airflow/constraints-2.2.5/constraints-3.8.txt\n"
            "-r requirements-extra.txt\n"
            "apache-airflow[postgres,\\\n"
            "    ssh]==1.10.15  # pinned for the VMs\n"
            "requests==2.25.1 --hash=sha256:abc\n"
        ),
        "requirements-extra.txt": "pandas==1.2.3\n-r requirements.txt\n",
    })
    lines = split_requirements(root / "requirements.txt", root)
    assert lines.options == ["--extra-index-url https://pypi.example.invalid/simple"]
    assert lines.items == [
        ("requirements-extra.txt", 1, "pandas==1.2.3"),
        ("requirements.txt", 5, "apache-airflow[postgres, ssh]==1.10.15"),
        ("requirements.txt", 7, "requests==2.25.1 --hash=sha256:abc"),
    ]
    assert any("constraints-2.2.5" in note and "not applied" in note for note in lines.notes)
    assert any("include cycle" in note for note in lines.notes)


def test_split_requirements_makes_local_paths_absolute(make_project):
    root = make_project({"reqs/requirements.txt": "-e ../libs/acme\n./wheels/acme_dq-1.0-py3-none-any.whl\n"})
    lines = split_requirements(root / "reqs" / "requirements.txt", root)
    assert lines.items[0] == ("reqs/requirements.txt", 1, f"-e {(root / 'libs' / 'acme').resolve()}")
    assert lines.items[1][2] == "./wheels/acme_dq-1.0-py3-none-any.whl"


def test_unreadable_requirements_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read requirements"):
        split_requirements(tmp_path / "requirements.txt")


def test_project_requirements_prefers_the_root_requirements_txt(make_project):
    root = make_project({
        "dags/a.py": "x = 1\n",
        "requirements-dev.txt": "pytest\n",
        "docker/requirements.txt": "pandas\n",
        "requirements.txt": "boto3\n",
    })
    assert project_requirements(discover(root, Settings())) == "requirements.txt"
    (root / "requirements.txt").unlink()
    assert project_requirements(discover(root, Settings())) == "docker/requirements.txt"


# Output of pip 23.2 refusing a pin that contradicts the constraints (shortened paths only).
PIP_CONFLICT = """\
Collecting apache-airflow==1.10.15
  Downloading apache_airflow-1.10.15-py2.py3-none-any.whl (4.6 MB)
ERROR: Cannot install apache-airflow==1.10.15 because these package versions have conflicting dependencies.

The conflict is caused by:
    The user requested apache-airflow==1.10.15
    The user requested (constraint) apache-airflow==3.3.1

To fix this you could try to:
1. loosen the range of package versions you've specified
2. remove package versions to allow pip attempt to solve the dependency conflict

ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts
"""


# pip 23.2 when a requirement's build step fails (the sdist's setup.py needs distutils).
PIP_BUILD_FAILURE = """\
Collecting apache-airflow-backport-providers-ssh==2021.3.3
  Installing build dependencies: started
  error: subprocess-exited-with-error

  × Getting requirements to build wheel did not run successfully.
  │ exit code: 1
  ╰─> [17 lines of output]
      Traceback (most recent call last):
        File "setup.py", line 3, in <module>
      ModuleNotFoundError: No module named 'distutils'
      [end of output]

  note: This error originates from a subprocess, and is likely not a problem with pip.
error: subprocess-exited-with-error

× Getting requirements to build wheel did not run successfully.
│ exit code: 1
╰─> See above for output.
"""


def test_pip_reason_of_a_failed_build_is_the_builds_last_line():
    assert pip_reason(PIP_BUILD_FAILURE) == ("Getting requirements to build wheel did not run successfully: "
                                             "ModuleNotFoundError: No module named 'distutils'")


def test_pip_reason_keeps_the_error_and_the_conflict_detail():
    reason = pip_reason(PIP_CONFLICT)
    assert reason.startswith("Cannot install apache-airflow==1.10.15")
    assert "The user requested (constraint) apache-airflow==3.3.1" in reason
    assert "loosen the range" not in reason and "ResolutionImpossible" not in reason
    assert "\n" not in reason


# -- interpreter ---------------------------------------------------------------------------------


def test_an_explicit_python_of_another_version_is_used_and_noted():
    own = ".".join(map(str, sys.version_info[:2]))
    wanted = "3.12" if own != "3.12" else "3.11"
    choice = choose_python(wanted, Path(sys.executable))
    assert choice.minor == own
    assert len(choice.notes) == 1 and f"MWAA runs Python {wanted}" in choice.notes[0]


def test_an_explicit_python_that_does_not_run_is_a_clear_error(tmp_path):
    fake = tmp_path / "python3.12"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(EnvironmentSetupError, match="not a working Python"):
        choose_python("3.12", fake)


def test_the_targets_python_is_preferred_when_present():
    found = airflow_env.find_python("3.11")  # the interpreter running these tests is one
    assert found is not None and found[1].startswith("3.11.")
    assert choose_python("3.11").notes == ()


# -- constraints -----------------------------------------------------------------------------------


class _ConstraintsHandler(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):
        type(self).hits += 1
        body = b"apache-airflow==3.3.1\nboto3==1.40.0\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_constraints_are_downloaded_once_then_read_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.delenv(OFFLINE_ENV)  # the download goes to a server on 127.0.0.1
    server = http.server.HTTPServer(("127.0.0.1", 0), _ConstraintsHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/constraints-3.3.1/constraints-3.12.txt"
        # 2.8.1's image files were never published: its constraints are downloaded.
        target = dataclasses.replace(get_version("2.8.1"), constraints_url=url)
        first = constraints_file(target, None, tmp_path)
        second = constraints_file(target, None, tmp_path)
    finally:
        server.shutdown()
    assert first == second and first.read_text().startswith("apache-airflow==3.3.1")
    assert _ConstraintsHandler.hits == 1


def test_unreachable_constraints_url_says_to_pass_constraints(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/constraints-3.3.1/constraints-3.12.txt"
    target = dataclasses.replace(get_version("2.8.1"), constraints_url=url)
    with pytest.raises(EnvironmentSetupError, match="pass --constraints FILE"):
        constraints_file(target, None, tmp_path)


def test_missing_constraints_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="constraints file not found"):
        constraints_file(get_version("3.3.1"), tmp_path / "nope.txt", tmp_path)


def test_unknown_target_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="MWAA supports"):
        ensure_airflow_env("1.9.0", None, tmp_path)


def test_unreachable_index_is_a_clear_error_and_leaves_no_half_built_venv(tmp_path, monkeypatch):
    # Only the dead index: no pip config file, no local wheel folders or extra indexes.
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{closed_port()}/simple")
    monkeypatch.setenv("PIP_FIND_LINKS", "")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("apache-airflow==3.3.1\n")
    with pytest.raises(EnvironmentSetupError, match="cannot reach the package index"):
        ensure_airflow_env("3.3.1", constraints, tmp_path / "cache", python=Path(sys.executable))
    venvs = tmp_path / "cache" / "venvs"
    assert [p.name for p in venvs.iterdir() if not p.name.endswith(".lock")] == []


# -- clear errors before anything is installed ---------------------------------------------------------


def test_project_without_dag_folder_is_an_input_error(make_project):
    root = make_project({"README.md": "nothing here\n"})
    with pytest.raises(InputError, match="no DAG folder found"):
        verify_project(root, target="3.3.1")


def test_dag_folder_without_python_files_is_an_input_error(make_project):
    root = make_project({"dags/README.md": "soon\n", "airflow.cfg": "[core]\ndags_folder = /opt/airflow/dags\n"})
    with pytest.raises(InputError, match="no Python files in the DAG folder"):
        verify_project(root, target="3.3.1")


def test_cli_errors_exit_2_with_one_line(make_project, capsys):
    root = make_project({"dags/nightly.py": MODERN_DAG})
    assert main(["verify", str(root), "--target", "1.9.0"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "MWAA supports" in err
    empty = make_project({"README.md": "x\n"})
    assert main(["verify", str(empty), "--target", "3.3.1"]) == 2
    assert "no DAG folder found" in capsys.readouterr().err


# -- results: JSON, carried reports, findings ---------------------------------------------------------


def sample_result(root: Path, status: str = "import_error") -> VerifyResult:
    digest = hashlib.sha256((root / "dags" / "nightly.py").read_bytes()).hexdigest()
    entry = FileResult(
        path="dags/nightly.py", status=status, line=3 if status != "loaded" else None,
        error="ModuleNotFoundError: No module named 'airflow.sdk'" if status != "loaded" else None,
        dag_ids=() if status != "loaded" else ("nightly",), tasks=0,
        warnings=(WarningEntry("airflow.exceptions.RemovedInAirflow3Warning", "old API", "dags/nightly.py", 1),),
        lookups=(Lookup("variable", "landing_bucket", "stand-in"),),
        parse_seconds=0.25 if status == "loaded" else None, sha256=digest)
    return VerifyResult(get_version("3.3.1"), Environment("3.3.1", "3.12.1"), [entry])


def test_json_round_trips_and_has_the_documented_keys(make_project):
    root = make_project({"dags/nightly.py": MODERN_DAG})
    result = sample_result(root)
    document = result.to_json()
    assert set(document) == {"tool", "target", "environment", "requirements", "files", "summary"}
    assert set(document["files"][0]) >= {"path", "status", "error", "dag_ids", "tasks", "warnings",
                                         "parse_seconds"}
    assert document["summary"]["import_error"] == 1 and document["files"][0]["parse_seconds"] is None
    again = VerifyResult.from_json(json.loads(json.dumps(document)))
    assert again.to_json() == document
    assert result.parse_seconds() == {}  # a file that failed to import has no parse time
    assert sample_result(root, "loaded").parse_seconds() == {"dags/nightly.py": 0.25}


def test_text_report_names_errors_warnings_and_lookups(make_project):
    text = render_text(sample_result(make_project({"dags/nightly.py": MODERN_DAG})))
    assert "dags/nightly.py" in text and "import error" in text
    assert "No module named 'airflow.sdk'" in text
    assert "RemovedInAirflow3Warning: old API" in text
    assert "variable landing_bucket (stand-in)" in text


# Airflow's argument check, as DagBag records it: the message goes on below its first line.
INVALID_ARGUMENTS_TRACEBACK = """\
Traceback (most recent call last):
  File "/home/dags/etl.py", line 9, in <module>
    AcmeOperator(task_id="load", **task_args)
  File "/venv/lib/python3.12/site-packages/airflow/sdk/bases/operator.py", line 1104, in __init__
    raise TypeError(
TypeError: Invalid arguments were passed to AcmeOperator (task_id: load). Invalid arguments were:
**kwargs: {'task_concurrency': 1, 'password': 'hunter2-s3cret'}
"""


def test_the_driver_keeps_the_whole_exception_message_and_every_frame():
    message, frames = verify_driver.summarize_error(INVALID_ARGUMENTS_TRACEBACK)
    assert message == ("TypeError: Invalid arguments were passed to AcmeOperator (task_id: load). Invalid "
                       "arguments were:\n**kwargs: {'task_concurrency': 1, 'password': 'hunter2-s3cret'}")
    assert frames == [("/home/dags/etl.py", 9),
                      ("/venv/lib/python3.12/site-packages/airflow/sdk/bases/operator.py", 1104)]
    # A SyntaxError's source line and caret come before the exception, indented: not its message.
    syntax = '  File "/home/dags/x.py", line 3\n    def (:\n        ^\nSyntaxError: invalid syntax\n'
    assert verify_driver.summarize_error(syntax)[0] == "SyntaxError: invalid syntax"
    assert verify_driver.summarize_error("ValueError: bad\n")[0] == "ValueError: bad"


def test_a_files_error_is_whole_bounded_and_masked(tmp_path):
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "etl.py").write_text("x = 1\n")
    traceback = INVALID_ARGUMENTS_TRACEBACK.replace("/home/dags/etl.py", str(tmp_path / "dags" / "etl.py"))
    message, frames = verify_driver.summarize_error(traceback)
    data = {"status": "import_error", "error": message, "traceback": traceback, "frames": frames}
    entry = _file_result(tmp_path, str(tmp_path / "dags" / "etl.py"), data, tmp_path / "venv")
    assert "task_concurrency" in entry.error and "hunter2" not in entry.error
    assert entry.project_frames == ("dags/etl.py:9",)  # the project's frames only
    assert FileResult.from_json(entry.to_json()) == entry
    assert "hunter2" not in entry.traceback
    assert entry.error_line == "TypeError: Invalid arguments were passed to AcmeOperator (task_id: load). " \
                               "Invalid arguments were:"
    long = _file_result(tmp_path, str(tmp_path / "dags" / "etl.py"),
                        {**data, "error": "ValueError: " + "x" * 5000}, tmp_path / "venv")
    assert len(long.error) == ERROR_CHARS and long.error.endswith("…")
    text = render_text(VerifyResult(get_version("3.3.1"), Environment("3.3.1", "3.12.1"), [entry]))
    assert "\n      **kwargs: {'task_concurrency': 1" in text  # the rest of the message, indented


def test_carried_report_is_used_only_for_unchanged_files(make_project):
    root = make_project({"dags/nightly.py": MODERN_DAG})
    (root / RESULTS_FILE).write_text(json.dumps(sample_result(root).to_json()))
    assert [f.path for f in read_carried_results(root).files] == ["dags/nightly.py"]
    (root / "dags" / "nightly.py").write_text(MODERN_DAG + "# edited\n")
    carried = read_carried_results(root)
    assert carried.files == [] and "changed since" in carried.problems[0]


def test_scan_reads_the_carried_report_and_merge_replaces_it(make_project):
    root = make_project({"dags/nightly.py": MODERN_DAG})
    (root / RESULTS_FILE).write_text(json.dumps(sample_result(root).to_json()))
    target = get_version("3.3.1")
    result = scan(root, Settings(select=("MIG1",)), target, jobs=1, use_cache=False)
    assert {f.rule for f in result.findings} == {"MIG101", "MIG104"}
    merge_into_scan(result, sample_result(root, status="loaded"), Settings(select=("MIG1",)))
    assert {f.rule for f in result.findings} == {"MIG104"}


def test_inline_suppression_applies_to_verify_findings(make_project):
    root = make_project({"dags/nightly.py": MODERN_DAG.replace(
        "from airflow.sdk import DAG", "from airflow.sdk import DAG  # migrator: ignore[MIG101]")})
    target = get_version("3.3.1")
    result = scan(root, Settings(select=("MIG1",)), target, jobs=1, use_cache=False)
    merge_into_scan(result, sample_result(root), Settings(select=("MIG1",)))
    assert {f.rule for f in result.findings} == {"MIG104"}


def test_failing_requirements_are_found_by_bisection_not_one_run_per_line():
    from migrator.airflow_env import PipResult, failing_items

    items = [f"pkg{i}" for i in range(64)]
    culprits = {"pkg5", "pkg40"}
    calls = []

    def attempt(chunk):
        calls.append(len(chunk))
        return PipResult(not culprits & set(chunk), "ERROR: " + " ".join(sorted(culprits & set(chunk))))

    found = failing_items(items, attempt)
    assert [item for item, _ in found] == ["pkg5", "pkg40"]
    assert all(item in result.output for item, result in found)
    assert len(calls) < 30  # one run per line would be 64


def _fake_layer(venvs, name, used_at):
    from migrator.airflow_env import MARKER

    layer = venvs / name
    layer.mkdir(parents=True)
    (layer / MARKER).write_text("{}", encoding="utf-8")
    os.utime(layer / MARKER, (used_at, used_at))
    return layer


def test_requirements_layers_beyond_the_limit_go_least_recently_used_first(tmp_path):
    from migrator.airflow_env import evict_layers

    base = "airflow-3.3.1-py3.12-abc"
    layers = [_fake_layer(tmp_path, f"{base}-req-{i}", 1_000_000 + i) for i in range(5)]
    other_base = _fake_layer(tmp_path, "airflow-2.11.2-py3.12-def-req-0", 1)

    removed = evict_layers(tmp_path, base, keep=3)

    assert sorted(removed) == layers[:2]
    assert [layer.exists() for layer in layers] == [False, False, True, True, True]
    assert other_base.exists()  # another base venv's layers are not counted against this one


def test_a_layer_another_run_holds_is_not_evicted_and_zero_keeps_all(tmp_path):
    import fcntl

    from migrator.airflow_env import evict_layers

    base = "airflow-3.3.1-py3.12-abc"
    layers = [_fake_layer(tmp_path, f"{base}-req-{i}", 1_000_000 + i) for i in range(3)]
    assert evict_layers(tmp_path, base, keep=0) == []
    with open(tmp_path / f"{layers[0].name}.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert evict_layers(tmp_path, base, keep=1) == [layers[1]]
    assert layers[0].exists() and not layers[1].exists() and layers[2].exists()


def test_reusing_a_layer_marks_it_used(tmp_path, monkeypatch):
    from migrator import airflow_env

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tabulate==0.9.0\n", encoding="utf-8")
    base = tmp_path / "venvs" / "airflow-3.3.1-py3.12-abc"
    choice = airflow_env.PythonChoice(path=Path(sys.executable), version="3.12.0", notes=())
    # Build a fake layer under the key the real call computes, with a python and a marker.
    monkeypatch.setattr(airflow_env, "_build_layer", lambda *a, **k: ([], []))
    root, _, created = airflow_env._ensure_requirements_layer(
        choice, base, requirements, tmp_path / "c.txt", base.parent, tmp_path, False, False, lambda m: None)
    assert created
    python = airflow_env._venv_python(root)
    python.parent.mkdir(parents=True)
    python.touch()
    (root / airflow_env.MARKER).write_text("{}", encoding="utf-8")
    os.utime(root / airflow_env.MARKER, (1_000, 1_000))

    again, _, created = airflow_env._ensure_requirements_layer(
        choice, base, requirements, tmp_path / "c.txt", base.parent, tmp_path, False, False, lambda m: None)
    assert again == root and not created
    assert (root / airflow_env.MARKER).stat().st_mtime > 1_000


def test_keep_layers_reads_the_environment_and_rejects_nonsense(monkeypatch):
    from migrator.airflow_env import KEEP_LAYERS, keep_layers
    from migrator.errors import InputError

    monkeypatch.delenv("MWAA_MIGRATOR_KEEP_LAYERS", raising=False)
    assert keep_layers() == KEEP_LAYERS
    monkeypatch.setenv("MWAA_MIGRATOR_KEEP_LAYERS", "0")
    assert keep_layers() == 0
    monkeypatch.setenv("MWAA_MIGRATOR_KEEP_LAYERS", "many")
    with pytest.raises(InputError, match="MWAA_MIGRATOR_KEEP_LAYERS"):
        keep_layers()


def test_a_layer_built_when_pip_ran_out_of_time_is_built_again(tmp_path, monkeypatch):
    # pip's time limit gives no verdict on a line (a loaded machine): reusing that layer would
    # keep the line unrepaired for good, so the next run builds it again.
    from migrator import airflow_env

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("tabulate==0.9.0\n", encoding="utf-8")
    base = tmp_path / "venvs" / "airflow-3.3.1-py3.12-abc"
    choice = airflow_env.PythonChoice(path=Path(sys.executable), version="3.12.0", notes=())
    builds = []
    monkeypatch.setattr(airflow_env, "_build_layer", lambda *a, **k: builds.append(1) or ([], []))

    def ensure():
        return airflow_env._ensure_requirements_layer(
            choice, base, requirements, tmp_path / "c.txt", base.parent, tmp_path, False, False, lambda m: None)

    root, _, _ = ensure()
    python = airflow_env._venv_python(root)
    python.parent.mkdir(parents=True)
    python.touch()
    (root / airflow_env.MARKER).write_text('{"undecided": true, "failures": []}', encoding="utf-8")
    _, _, created = ensure()
    assert created and len(builds) == 2
    (root / airflow_env.MARKER).write_text('{"undecided": false, "failures": []}', encoding="utf-8")
    _, _, created = ensure()
    assert not created and len(builds) == 2
