"""Requirements that do not install are repaired for the bundle: the same package at a version
that installs, or removed, with the reason; pip itself (offline, on a local wheelhouse) is the
judge. MWAA installs requirements.txt whole or not at all, so one such line would roll back
the environment."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from migrator.compat import get_version
from test_bundle_private_network import make_wheel

from migrator.airflow_env import (
    RequirementLines,
    RequirementRepair,
    _create_venv,
    _install_requirements,
    _installed_versions,
    _venv_python,
)
from migrator.bundle.build import build_bundle
from migrator.bundle.model import MANIFEST, REQUIREMENTS
from migrator.bundle.requirements import apply_requirement_repairs
from migrator.config import Settings
from migrator.engine import scan
from migrator.requirements_fix import apply_install_repairs


def test_lines_that_do_not_install_move_to_a_version_that_does_or_go(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "fine", "1.0")
    make_wheel(wheels, "shared", "1.0")
    make_wheel(wheels, "shared", "2.0")
    make_wheel(wheels, "oldpin", "1.0", ("shared==1.0",))  # conflicts with the constraints
    make_wheel(wheels, "oldpin", "2.0", ("shared>=2",))
    make_wheel(wheels, "stuck", "1.0", ("shared==1.0",))  # no version of it fits
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("shared==2.0\n")
    layer = tmp_path / "layer"
    _create_venv(Path(sys.executable), layer, with_pip=False)
    lines = RequirementLines(
        options=["--no-index", f"--find-links {wheels}"],
        items=[("requirements.txt", 1, "fine==1.0"), ("requirements.txt", 2, "oldpin[extra]==1.0"),
               ("requirements.txt", 3, "gone==3.0"), ("requirements.txt", 4, "stuck==1.0"),
               # pip cannot judge it here (unreachable host): kept as a failure, never removed
               ("requirements.txt", 5, "remote @ https://127.0.0.1:9/remote-1.0-py3-none-any.whl")])
    failures, repairs = _install_requirements(Path(sys.executable), _venv_python(layer), lines,
                                              constraints, True, lambda message: None)

    assert [f.requirement for f in failures] == ["remote @ https://127.0.0.1:9/remote-1.0-py3-none-any.whl"]
    assert {r.requirement: r.replacement for r in repairs} == {
        "oldpin[extra]==1.0": "oldpin[extra]==2.0", "gone==3.0": None, "stuck==1.0": None}
    by_name = {r.requirement: r for r in repairs}
    assert "shared" in by_name["oldpin[extra]==1.0"].reason  # pip's own reason, kept
    assert "No matching distribution" in by_name["gone==3.0"].reason
    assert "without the version: " in by_name["stuck==1.0"].reason  # why the loosened line failed too
    installed = _installed_versions(_venv_python(layer))
    assert installed["oldpin"] == "2.0" and installed["shared"] == "2.0" and installed["fine"] == "1.0"
    assert "stuck" not in installed


def test_without_repair_the_failures_are_only_reported(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    make_wheel(wheels, "fine", "1.0")
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("")
    layer = tmp_path / "layer"
    _create_venv(Path(sys.executable), layer, with_pip=False)
    lines = RequirementLines(options=["--no-index", f"--find-links {wheels}"],
                             items=[("r.txt", 1, "fine==1.0"), ("r.txt", 2, "fine-extra==1.0")])
    failures, repairs = _install_requirements(Path(sys.executable), _venv_python(layer), lines,
                                              constraints, False, lambda message: None)
    assert [f.requirement for f in failures] == ["fine-extra==1.0"] and repairs == []


def test_the_file_says_what_changed_and_why_and_keeps_the_rest():
    text = ("--constraint \"https://example.invalid/c.txt\"\r\n# ours\r\npandas==2.1.4\r\n"
            "feedparser==5.2.1  # rss\r\nprivate-lib==0.1 \\\r\n    --hash=sha256:00\r\nrequests\r\n")
    fixed = apply_install_repairs(text, {4: ("feedparser==6.0.11", "use_2to3 is invalid"),
                                         5: (None, "No matching distribution found for private-lib")})
    assert fixed == (
        "--constraint \"https://example.invalid/c.txt\"\r\n# ours\r\npandas==2.1.4\r\n"
        "# migrator: feedparser==5.2.1 does not install on the target (use_2to3 is invalid)\r\n"
        "feedparser==6.0.11\r\n"
        "# migrator: removed private-lib==0.1: no version of it installs on the target "
        "(No matching distribution found for private-lib)\r\n"
        "requests\r\n")
    assert apply_install_repairs(text, {}) == text


def test_the_bundle_gets_the_repaired_file_its_manifest_and_a_check_per_line(make_project, tmp_path):
    root = make_project({
        "dags/sales.py": ("from datetime import datetime\nfrom airflow import DAG\n"
                          "with DAG('sales', start_date=datetime(2024, 1, 1), schedule=None):\n    pass\n"),
        "requirements.txt": "feedparser==5.2.1\nprivate-lib==0.1\n",
    })
    bundle = build_bundle(scan(root, Settings(), get_version("3.3.1")), tmp_path / "out")
    lines = (tmp_path / "out" / REQUIREMENTS).read_text().splitlines()
    feed = lines.index("feedparser==5.2.1") + 1
    private = lines.index("private-lib==0.1") + 1
    apply_requirement_repairs(bundle, [
        RequirementRepair(REQUIREMENTS, feed, "feedparser==5.2.1", "feedparser==6.0.11", "use_2to3 is invalid"),
        RequirementRepair(REQUIREMENTS, private, "private-lib==0.1", None, "No matching distribution"),
    ])
    data = (tmp_path / "out" / REQUIREMENTS).read_bytes()
    assert b"\nfeedparser==6.0.11\n" in data and b"\nprivate-lib==0.1\n" not in data
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text())
    row = next(r for r in manifest["files"] if r["path"] == REQUIREMENTS)
    assert row["sha256"] == hashlib.sha256(data).hexdigest() and row["size"] == len(data)
    codes = {c.code: c for c in bundle.checks}
    assert codes["requirement-removed"].severity.label == "error"
    assert "private-lib==0.1" in codes["requirement-removed"].message
    assert "feedparser==6.0.11" in codes["requirement-version-moved"].message


def test_a_pip_run_past_its_time_limit_stops_with_what_it_started(tmp_path):
    """A runaway resolution is stopped, builds included, and reads as a failure that says so;
    the temporary files pip had no chance to remove go too."""
    import os
    import time

    from migrator.airflow_env import _run_pip

    child_pid = tmp_path / "child.pid"
    fake_python = tmp_path / "python"
    scratch = tmp_path / "scratch.txt"
    fake_python.write_text(f"#!/bin/sh\necho \"$TMPDIR\" > {scratch}\necho unpacked > \"$TMPDIR/wheel\"\n"
                           f"sleep 60 &\necho $! > {child_pid}\nwait\n")
    fake_python.chmod(0o755)
    started = time.monotonic()
    result = _run_pip(fake_python, ["install", "awscli"], timeout=1)
    assert time.monotonic() - started < 30
    assert not result.ok and "within 1 seconds" in result.reason
    pid = int(child_pid.read_text())
    time.sleep(0.2)
    try:
        os.kill(pid, 0)
        alive = Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except ProcessLookupError:
        alive = False
    assert not alive
    assert not Path(scratch.read_text().strip()).exists()


def test_only_a_failure_that_judges_the_requirements_can_remove_a_line():
    """A conflict, a failed build or a package the index lacks say something about the line; an
    unreachable index, pip stopped at its time limit or pip's own crash do not, and a full disk
    is an error of this machine, never a verdict cached with the venv."""
    import pytest

    from migrator.airflow_env import EnvironmentSetupError, PipResult, _no_disk_space

    conflict = PipResult(False, "ERROR: Cannot install a==1 because these package versions have "
                                "conflicting dependencies.\nWARNING: Retrying after connection broken by "
                                "'NewConnectionError'")
    missing = PipResult(False, "ERROR: No matching distribution found for private-lib")
    missing_behind_a_dead_index = PipResult(
        False, "WARNING: Retrying (Retry(total=0)) after connection broken by 'NewConnectionError'\n"
               "ERROR: No matching distribution found for private-lib")
    stopped = PipResult(False, "ERROR: pip found no versions that fit together within 120 seconds",
                        timed_out=True)
    crashed = PipResult(False, "ERROR: Exception:\nTraceback (most recent call last):")
    build_failed = PipResult(False, "error: metadata-generation-failed\n× Preparing metadata (pyproject.toml) "
                                    "did not run successfully.\nRuntimeError: no such file\n[end of output]")
    build_failed_on_a_download = PipResult(
        False, "× Preparing metadata (pyproject.toml) did not run successfully.\nRuntimeError: failed to "
               "download https://github.com/x/y.whl: <urlopen error [Errno -2] Name or service not known>\n"
               "[end of output]")
    assert conflict.judges_the_requirements and missing.judges_the_requirements
    assert not missing_behind_a_dead_index.judges_the_requirements
    assert not stopped.judges_the_requirements and not crashed.judges_the_requirements
    assert build_failed.judges_the_requirements and not build_failed_on_a_download.judges_the_requirements
    with pytest.raises(EnvironmentSetupError, match="disk space"):
        _no_disk_space(PipResult(False, "ERROR: Could not install packages due to an OSError: "
                                        "[Errno 28] No space left on device"))
    _no_disk_space(missing)  # any other failure is the caller's to judge
