"""Hostile input never crashes, corrupts or hangs: fix, package, size, connections export, migrate.

The corpus (tests/reliability/corpus.py) goes through every command the way a user runs it (a
subprocess of the installed CLI). Each run must finish, exit with the code DESIGN.md gives
it, print no traceback, and leave the project byte-identical unless it was asked to write.

`migrator verify` is not run here: it imports the DAGs in a real Airflow, so hostile bytes
only reach Airflow's own loader; its own error paths are tested in tests/test_verify.py.

Unreadable inputs: the tests run as root in CI, and root reads a chmod-0 file. The
``unprivileged`` runs drop CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH with ``setpriv`` so the
kernel really refuses the reads (as for any non-root user); without setpriv, as root, those
runs are skipped and the in-process test below still covers the read errors by making the
file-opening functions raise PermissionError for the locked paths.
"""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from migrator.compat import get_version
from reliability import corpus

from migrator.analysis.grammar import parse_module, python_version
from migrator.analysis.source import decode_python
from migrator.workspace import printable_path

# Python files whose coding declaration names a codec Python cannot read source in.
COOKIES = tuple(kind for kind in corpus.FILES if kind.startswith("cookie-"))
TIMEOUT = 300  # seconds per command; a hang (a backtracking regex, an alias bomb) fails the test
DROP_READ_OVERRIDE = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                      "--bounding-set=-dac_override,-dac_read_search"]


def run_cli(*args: str, prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*(prefix or []), sys.executable, "-m", "migrator", *args], check=False,
                          capture_output=True, text=True, errors="backslashreplace", timeout=TIMEOUT)


def assert_clean(proc: subprocess.CompletedProcess) -> None:
    """No traceback, no internal error: what went wrong is a finding or a one-line error."""
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output[-3000:]
    assert "internal error" not in proc.stderr, proc.stderr


def build_corpus(base: Path, name: str) -> tuple[Path, dict[str, str]]:
    root = base / name
    root.mkdir()
    return root, corpus.build(root)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile-commands")
    root, written = build_corpus(base, "project")
    before = corpus.snapshot(root)
    yield root, written, before
    corpus.restore_permissions(root)


def diff_paths(diff: str) -> set[str]:
    return {line[len("+++ b/"):].rstrip("\n") for line in diff.splitlines() if line.startswith("+++ b/")}


# -- fix ---------------------------------------------------------------------------------------


def test_fix_dry_run_shows_the_diff_and_writes_nothing(hostile):
    root, written, before = hostile
    proc = run_cli("fix", str(root), "--no-cache")
    assert_clean(proc)
    assert proc.returncode == 1, proc.stderr  # fixes pending, not applied
    changed = diff_paths(proc.stdout)
    # The legacy import in each readable DAG file is fixed, whatever its encoding or newlines.
    for kind in ("latin1-cookie", "utf8-bom", "crlf", "mixed-newlines", "space-in-name",
                 "non-ascii-name", "folder-named-py"):
        assert written[kind] in changed, kind
    # Files that cannot be parsed, that scan skips, or whose path the writer refuses (a
    # backslash reads as a separator elsewhere) are never touched.
    for kind in ("python2", "syntax-error", "undecodable", "nul-bytes", "binary-named-py",
                 "20mb-file", "deep-nesting", "symlink-outside", "newline-in-name", "non-utf8-name",
                 "backslash-in-name", *COOKIES):
        assert written[kind] not in changed, kind
    assert "need a human" in proc.stderr
    assert corpus.snapshot(root) == before


def test_fix_apply_on_a_copy_changes_only_the_fixed_files_and_keeps_their_form(tmp_path):
    root, written = build_corpus(tmp_path, "copy")
    try:
        before = corpus.snapshot(root)
        originals = {rel: (root / rel).read_bytes() for rel, state in before.items()
                     if state.startswith("file") and (root / rel).stat().st_size < 1_000_000}
        dry = run_cli("fix", str(root), "--no-cache")
        proc = run_cli("fix", str(root), "--apply", "--no-diff", "--no-cache")
        assert_clean(proc)
        assert proc.returncode == 0, proc.stderr
        after = corpus.snapshot(root)
        changed = {rel for rel in before if after.get(rel) != before[rel]}
        assert set(after) == set(before)  # no file created or removed (no temp file left)
        assert changed == diff_paths(dry.stdout)
        for rel in changed:
            old, new = originals[rel], (root / rel).read_bytes()
            assert before[rel].split()[1] == after[rel].split()[1], rel  # mode kept
            if rel.endswith(".py"):  # parses for the target (the coding cookie and BOM decide the decoding)
                parse_module(decode_python(new).text, rel, python_version(get_version(None).python))
            assert old.startswith(b"\xef\xbb\xbf") == new.startswith(b"\xef\xbb\xbf"), rel
            assert (b"\r\n" in old) == (b"\r\n" in new), rel
            assert new.count(b"\r\n") >= old.count(b"\r\n") - 1, rel  # CRLF lines stay CRLF
        latin = (root / written["latin1-cookie"]).read_bytes()
        assert b"caf\xe9" in latin  # still latin-1, not re-encoded
        second = run_cli("fix", str(root), "--no-cache")
        assert_clean(second)
        assert second.returncode == 0 and second.stdout == "", second.stdout[:2000]
        assert "Nothing to fix automatically." in second.stderr
    finally:
        corpus.restore_permissions(root)


# -- package -------------------------------------------------------------------------------------


def test_package_ships_or_names_every_hostile_input(hostile, tmp_path):
    root, written, before = hostile
    out = tmp_path / "bundle"
    refused = run_cli("package", str(root), "--out", str(out), "--format", "json")
    assert_clean(refused)  # its requirements.txt has lines pip cannot read: no bundle, the lines named
    assert refused.returncode == 1 and "not a requirement at all" in refused.stderr and not out.exists()
    proc = run_cli("package", str(root), "--out", str(out), "--format", "json", "--allow-broken-requirements")
    assert_clean(proc)
    assert proc.returncode == 1, proc.stderr  # the bundle is written, with the broken lines as its errors
    manifest = json.loads(proc.stdout)
    shipped = {row["path"] for row in manifest["files"]}
    excluded = {row["path"].rstrip("/"): row["reason"] for row in manifest["excluded"]}
    for kind, raw in written.items():
        rel = printable_path(raw)  # how reports and the manifest spell a name with a newline
        if rel.startswith("dags/"):
            assert rel in shipped or rel in excluded or any(
                s.startswith(rel + "/") for s in shipped) or any(
                rel.startswith(e + "/") for e in excluded), kind
        elif rel.startswith("plugins/"):
            assert f"plugins.zip!{rel[8:]}" in shipped or rel in excluded, kind
    assert excluded["dags/outside_link.py"] == "symlink to a file outside the project"
    assert excluded["dags/pipe.py"] == "not a regular file"
    assert "name is not valid UTF-8" in excluded[written["non-utf8-name"]]
    assert "control characters" in excluded[printable_path(written["newline-in-name"])]
    assert not any(path.startswith("dags/.env") for path in shipped)
    with zipfile.ZipFile(out / "plugins.zip") as archive:
        for name in archive.namelist():
            assert not name.startswith("/") and ".." not in name.split("/"), name
    # The bundle's own .airflowignore is generated; invalid lines of the project's are named.
    text = run_cli("package", str(root), "--out", str(tmp_path / "again"), "--allow-broken-requirements")
    assert "dags/.airflowignore: invalid regular expression '[unclosed('" in text.stdout
    assert corpus.snapshot(root) == before
    assert corpus.escaped_files(root) == []  # nothing read the zips' escaping members out


# -- size ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "json", "html"])
def test_size_reports_what_it_could_not_analyse(hostile, fmt):
    root, written, before = hostile
    proc = run_cli("size", str(root), "--format", fmt)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    if fmt == "markdown":
        for kind in ("syntax-error", "undecodable", "binary-named-py", "20mb-file", "python2",
                     *COOKIES):
            assert f"{written[kind]}: not analysed" in proc.stdout, kind
    elif fmt == "json":
        assert json.loads(proc.stdout)["recommendation"]["environment_class"]
    assert corpus.snapshot(root) == before


# -- connections export ---------------------------------------------------------------------------


def test_connections_export_names_every_source_it_could_not_read(hostile):
    root, written, before = hostile
    proc = run_cli("connections", "export", str(root))
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr  # dry run: nothing sent, nothing failed
    not_read = proc.stdout.split("Not read", 1)[1]
    for kind in ("connections-json-broken", "connections-yaml-broken", "compose"):
        assert f"\n  {written[kind]}:" in not_read, kind
    document = json.loads(run_cli("connections", "export", str(root), "--format", "json").stdout)
    assert {row["path"] for row in document["unreadable"]} >= {
        written["connections-json-broken"], written["connections-yaml-broken"], written["compose"]}
    # Sources in UTF-16/UTF-32 with a byte order mark are read, not reported.
    assert {"airflow/connections/utf16", "airflow/connections/utf32_db"} <= {
        secret["name"] for secret in document["secrets"]}
    assert not {written["env-utf16"], written["connections-utf32"]} & {
        row["path"] for row in document["unreadable"]}
    assert corpus.snapshot(root) == before


# -- migrate ---------------------------------------------------------------------------------------


def test_migrate_finishes_and_never_touches_the_source(hostile, tmp_path):
    root, written, before = hostile
    out = tmp_path / "migrated"
    # requirements.txt keeps lines pip cannot read: the bundle is written anyway, and says so
    proc = run_cli("migrate", str(root), "--out", str(out), "--allow-broken-requirements")
    assert_clean(proc)
    assert proc.returncode == 1, proc.stderr  # error findings remain after the fixes
    report = json.loads((out / "report.json").read_text())
    not_copied = {row["path"]: row["reason"] for row in report["not_copied"]}
    assert not_copied[written["symlink-outside"]] == "symlink to outside the project"
    assert not_copied[written["fifo-named-py"]] == "not a regular file"
    assert "not valid UTF-8" in not_copied[written["non-utf8-name"]]
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# MWAA migration")
    assert corpus.snapshot(root) == before
    assert corpus.escaped_files(root) == []


# -- settings files ---------------------------------------------------------------------------------

COMMANDS = {
    "scan": ["scan", "{root}"],
    "fix": ["fix", "{root}"],
    "package": ["package", "{root}", "--out", "{out}"],
    "size": ["size", "{root}"],
    "connections export": ["connections", "export", "{root}"],
    "migrate": ["migrate", "{root}", "--out", "{out}"],
    "verify": ["verify", "{root}"],  # stops at the settings, before any Airflow is needed
}
BROKEN_SETTINGS = {  # case -> (file, text)
    "toml-syntax": ("pyproject.toml", "[tool.migrator\ntarget = '3.3.1'\n"),
    "not-utf8": ("pyproject.toml", "[tool.migrator]\ntarget = '\udcff'\n"),
    "tool-not-a-table": ("pyproject.toml", 'tool = "x"\n'),
    "migrator-not-a-table": ("pyproject.toml", "[tool]\nmigrator = 3\n"),
    "wrong-type": (".migrator.toml", "target = 3\n"),
    "unknown-key": (".migrator.toml", "bogus = 1\n"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(BROKEN_SETTINGS))
def test_broken_settings_are_a_one_line_error_naming_the_file(make_project, tmp_path, capsys,
                                                              command, case):
    from migrator.cli import main

    settings_file, text = BROKEN_SETTINGS[case]
    data = text.encode("utf-8", "surrogateescape")
    root = make_project({"dags/a.py": corpus.DAG, settings_file: data})
    args = [a.format(root=root, out=tmp_path / "out") for a in COMMANDS[command]]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("migrator: error: "), err
    assert f"{settings_file}: " in err
    assert not (tmp_path / "out").exists()


# -- unreadable inputs -------------------------------------------------------------------------------


def unprivileged_prefix() -> list[str]:
    """A command prefix under which chmod 0 really stops reads (see the module doc)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv (util-linux): chmod 0 does not stop root")
    return DROP_READ_OVERRIDE


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory):
    root = tmp_path_factory.mktemp("unreadable") / "project"
    root.mkdir()
    written = corpus.build_unreadable(root)
    yield root, written
    corpus.restore_unreadable(root)


def test_the_unprivileged_prefix_really_cannot_read(unreadable):
    root, written = unreadable
    proc = subprocess.run([*unprivileged_prefix(), "cat", str(root / written["unreadable-dag"])],
                          check=False, capture_output=True, text=True)
    assert proc.returncode != 0 and "Permission denied" in proc.stderr


def test_scan_reports_every_unreadable_input(unreadable):
    root, written = unreadable
    proc = run_cli("scan", str(root), "--format", "json", "--no-cache", prefix=unprivileged_prefix())
    assert_clean(proc)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    named = {f["path"] for f in doc["findings"] if "Permission denied" in f["message"]}
    named |= {s["path"] for s in doc["inventory"]["skipped"]}
    for kind in ("unreadable-dag", "unreadable-plugin", "unreadable-requirements",
                 "unreadable-airflow-cfg", "unreadable-env", "unreadable-compose",
                 "unreadable-connections", "unreadable-folder"):
        assert written[kind] in named, (kind, sorted(named))


def test_fix_leaves_unreadable_files_and_fixes_the_rest(unreadable):
    root, written = unreadable
    proc = run_cli("fix", str(root), "--no-cache", prefix=unprivileged_prefix())
    assert_clean(proc)
    assert proc.returncode == 1  # the readable DAG's fix is pending
    assert diff_paths(proc.stdout) == {written["readable"]}
    assert "cannot read requirements.txt" in proc.stderr


def test_package_refuses_with_one_line_naming_the_unreadable_file(unreadable, tmp_path):
    root, written = unreadable
    proc = run_cli("package", str(root), "--out", str(tmp_path / "b"), prefix=unprivileged_prefix())
    assert_clean(proc)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert f"{written['unreadable-dag']}: cannot read: Permission denied" in proc.stderr
    assert not (tmp_path / "b").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no staging folder left behind


def test_size_names_the_files_it_could_not_read(unreadable):
    root, written = unreadable
    proc = run_cli("size", str(root), prefix=unprivileged_prefix())
    assert_clean(proc)
    assert proc.returncode == 0
    assert f"{written['unreadable-dag']}: not analysed (cannot read file: Permission denied)" in proc.stdout


def test_connections_export_names_the_sources_it_could_not_read(unreadable):
    root, written = unreadable
    proc = run_cli("connections", "export", str(root), prefix=unprivileged_prefix())
    assert_clean(proc)
    assert proc.returncode == 0
    for kind in ("unreadable-env", "unreadable-connections", "unreadable-compose"):
        assert f"  {written[kind]}:1: cannot read file: Permission denied" in proc.stdout, kind


def test_migrate_fails_and_lists_what_it_could_not_copy(unreadable, tmp_path):
    root, written = unreadable
    proc = run_cli("migrate", str(root), "--out", str(tmp_path / "m"), prefix=unprivileged_prefix())
    assert_clean(proc)
    assert proc.returncode == 1  # the copy and the bundle lack files: never a quiet success
    assert f"Not read ({len(corpus.UNREADABLE)})" in proc.stdout
    report = (tmp_path / "m" / "report.md").read_text()
    assert f"`{written['unreadable-folder']}/`: cannot read folder: Permission denied" in report
    assert f"`{written['unreadable-dag']}`: cannot read: Permission denied" in report


def test_read_errors_raised_in_process_become_findings_not_crashes(make_project, monkeypatch,
                                                                   capsys, tmp_path):
    """The same read errors without privileges to drop: the file-opening functions raise
    PermissionError for the locked paths, as the kernel does for a non-root user."""
    from migrator.cli import main

    root = make_project({"dags/locked.py": corpus.DAG, "dags/fine.py": corpus.DAG + "x = 1\n",
                         "plugins/locked_plugin.py": "X = 1\n", "requirements.txt": "pandas\n",
                         "connections.json": "{}\n"})
    locked = {root / "dags/locked.py", root / "plugins/locked_plugin.py",
              root / "requirements.txt", root / "connections.json"}

    def refuse(opener):
        def guarded(file, *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and Path(file).absolute() in locked:
                raise PermissionError(errno.EACCES, "Permission denied", str(file))
            return opener(file, *args, **kwargs)
        return guarded

    monkeypatch.setattr(io, "open", refuse(io.open))
    monkeypatch.setattr("builtins.open", refuse(open))
    assert main(["scan", str(root), "--format", "json", "--no-cache", "--jobs", "1"]) == 1
    doc = json.loads(capsys.readouterr().out)
    denied = {f["path"] for f in doc["findings"] if "Permission denied" in f["message"]}
    assert denied >= {"dags/locked.py", "plugins/locked_plugin.py", "requirements.txt"}
    assert main(["fix", str(root), "--no-cache", "--jobs", "1"]) == 1
    assert diff_paths(capsys.readouterr().out) == {"dags/fine.py"}
    assert main(["size", str(root)]) == 0
    assert "dags/locked.py: not analysed (cannot read file: Permission denied)" in capsys.readouterr().out
    assert main(["connections", "export", str(root)]) == 0
    assert "connections.json:1: cannot read file: Permission denied" in capsys.readouterr().out
    assert main(["package", str(root), "--out", str(tmp_path / "b"), "--jobs", "1"]) == 2
    assert "dags/locked.py: cannot read: Permission denied" in capsys.readouterr().err


# -- files named on the command line -------------------------------------------------------------------

INPUT_FILES = {
    "binary": b"\xff\xfe\x00garbage",
    "broken-json": b'{"files": [1, 2',
    "deep-json": b"[" * 100_000 + b"]" * 100_000,
    "csv-without-columns": b'dag_id,task_id\n"unclosed\n',
}


@pytest.mark.parametrize("option", ["--history", "--verify-results"])
@pytest.mark.parametrize("content", sorted(INPUT_FILES))
def test_size_input_files_that_are_garbage_are_a_one_line_error(make_project, tmp_path, capsys,
                                                                option, content):
    from migrator.cli import main

    root = make_project({"dags/a.py": corpus.DAG})
    given = tmp_path / f"{content}.json"
    given.write_bytes(INPUT_FILES[content])
    assert main(["size", str(root), option, str(given)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"migrator: error: {given}: "), err
