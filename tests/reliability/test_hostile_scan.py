"""Hostile input never crashes a run: `migrator scan` over the corpus, in every format."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from reliability import corpus


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile") / "project"
    root.mkdir()
    written = corpus.build(root)
    yield root, written
    corpus.restore_permissions(root)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "migrator", *args], check=False, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown"])
def test_scan_finishes_without_traceback(hostile_project, fmt):
    root, _ = hostile_project
    proc = run_cli("scan", str(root), "--format", fmt, "--no-cache")
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 1, proc.stderr  # findings at error level, not a crash (3) or usage (2)
    assert proc.stdout


def test_each_hostile_python_file_gets_a_named_finding(hostile_project):
    root, written = hostile_project
    proc = run_cli("scan", str(root), "--format", "json", "--no-cache")
    doc = json.loads(proc.stdout)
    rules_by_path: dict[str, set[str]] = {}
    for finding in doc["findings"]:
        # A second problem of one line is a related location whose message starts with its rule.
        rules_by_path.setdefault(finding["path"], set()).update(
            [finding["rule"], *(r["message"].partition(":")[0] for r in finding.get("related") or ())])
    expected = {
        "python2": "MIG002", "syntax-error": "MIG001", "undecodable": "MIG003", "nul-bytes": "MIG003",
        "binary-named-py": "MIG003", "deep-nesting": "MIG001", "20mb-file": "MIG004",
        "plugins-syntax-error": "MIG001", "plugins-binary": "MIG003",
        **{kind: "MIG003" for kind in corpus.FILES if kind.startswith("cookie-")},
        "python-utf16": "MIG003",
        "python312-deep-nesting": "MIG001", "python312-deep-brackets": "MIG001",
    }
    for kind, rule in expected.items():
        assert rule in rules_by_path.get(written[kind], set()), (kind, rules_by_path.get(written[kind]))
    # Files that are fine Python get no MIG finding at all.
    for kind in ("latin1-cookie", "utf8-bom", "crlf", "mixed-newlines", "tabs", "empty",
                 "space-in-name", "non-ascii-name", "deep-brackets-list", "backslash-in-name",
                 "folder-named-py", "redos-victim-name", "python312"):
        assert not {r for r in rules_by_path.get(written[kind], set()) if r.startswith("MIG")}, kind
    skipped = {s["path"]: s["reason"] for s in doc["inventory"]["skipped"]}
    assert skipped["dags/loop"] == "symlinked folder not followed"
    assert skipped["dags/outside_link.py"] == "symlink points outside the project"
    assert skipped["dags/dangling.py"] == "broken or looping symlink"
    assert skipped["dags/pipe.py"] == "not a regular file"
    # Names that cannot be printed on one line or written to JSON are skipped, and said so.
    assert skipped[written["non-utf8-name"]].startswith("file name is not valid UTF-8")
    assert skipped["dags/new\\nline.py"].startswith("file name contains control characters")
    # Broken non-Python sources get a finding naming the file and the problem.
    for kind in ("connections-json-broken", "connections-yaml-broken", "compose", "env-file-binary"):
        assert rules_by_path.get(written[kind]), kind
    assert {"CON007", "CON008"} <= rules_by_path[written["compose-v1"]]  # read, and its password not quoted
    assert "pa#ss" not in proc.stdout and "wd@db" not in proc.stdout
    assert "outside the project'" not in proc.stdout  # the outside file's content never read


def test_scan_output_is_deterministic_on_hostile_input(hostile_project):
    root, _ = hostile_project
    first = run_cli("scan", str(root), "--format", "json", "--no-cache").stdout
    second = run_cli("scan", str(root), "--format", "json", "--jobs", "2").stdout
    assert first == second
