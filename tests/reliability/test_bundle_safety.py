"""Bundle safety: secrets never shipped unless asked, plugins.zip never escapes, no zip is unpacked.

Sensitive files sit in both the DAG folder and the plugins folder, at the top and nested, named
and detected by content; the bundle must leave every one out and say why. plugins.zip member
names are checked against everything an extracting tool could misread. Zips already in a
project (a prebuilt plugins.zip, a packaged DAG) are never extracted by the tool: no runtime
module unpacks archives (checked in the source, below), and a hostile zip's escaping members
never appear on disk.
"""

from __future__ import annotations

import ast
import json
import zipfile
from pathlib import Path

import pytest
from reliability import corpus

from migrator.cli import main

SRC = Path(__file__).resolve().parents[2] / "src" / "migrator"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
SENSITIVE = {
    ".env": "A=1\n", ".env.prod": "A=1\n", "deploy.pem": KEY, "id_rsa": KEY, "tls.key": KEY,
    "store.p12": "x", "credentials.json": "{}", "service-account-prod.json": "{}",
    ".netrc": "machine h login u password p\n", ".pgpass": "h:5432:*:u:p\n",
    "secrets.yaml": "a: b\n", "notes.txt": "see below\n" + KEY, ".aws/credentials": "[default]\n",
    ".ssh/config": "Host x\n", "tests/test_dag.py": "def test_x():\n    pass\n",
    "test_helpers.py": "X = 1\n", "conftest.py": "X = 1\n",
}


def package(root: Path, out: Path, *extra: str, capsys) -> tuple[int, dict, str]:
    code = main(["package", str(root), "--out", str(out), "--format", "json", "--jobs", "1", *extra])
    manifest = json.loads(capsys.readouterr().out) if code in (0, 1) else {}
    text_code = main(["package", str(root), "--out", str(out.parent / (out.name + "-text")),
                      "--jobs", "1", *extra])
    return code if code == text_code else -1, manifest, capsys.readouterr().out


@pytest.mark.parametrize("folder", ["dags", "dags/nested", "plugins", "plugins/pkg"])
def test_sensitive_files_are_left_out_with_a_reason_wherever_they_are(make_project, tmp_path,
                                                                      capsys, folder):
    files = {"dags/etl.py": corpus.DAG + "with DAG('etl') as dag:\n    pass\n",
             "plugins/pkg/__init__.py": "", "plugins/ok.py": "X = 1\n"}
    files |= {f"{folder}/{name}": text for name, text in SENSITIVE.items()}
    root = make_project(files)
    out = tmp_path / "out"
    code, manifest, text = package(root, out, capsys=capsys)
    assert code == 0
    shipped = {row["path"] for row in manifest["files"]}
    zipped = {p.split("!", 1)[1] for p in shipped if p.startswith("plugins.zip!")}
    with zipfile.ZipFile(out / "plugins.zip") as archive:
        assert set(archive.namelist()) == zipped
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    excluded = {row["path"] for row in manifest["excluded"]}
    for name in SENSITIVE:
        rel = f"{folder}/{name}"
        inside = rel.split("/", 1)[1]  # path inside dags/ or plugins.zip
        assert f"dags/{inside}" not in on_disk and inside not in zipped, rel
        top = rel.split("/")[: len(folder.split("/")) + 1]
        assert rel in excluded or "/".join(top) + "/" in excluded, rel
        assert KEY.splitlines()[1] not in text
    # ... and the text report says why, one line per file or folder left out.
    assert f"{folder}/deploy.pem: key or certificate store" in text
    assert f"{folder}/notes.txt: contains a private key" in text
    assert f"{folder}/.aws/: credentials folder" in text


def test_plugins_zip_members_are_plain_relative_paths(make_project, tmp_path, capsys):
    odd = ["..hidden.py", "...py", "a b.py", "é.py", "-dash.py", "pkg/__init__.py",
           "pkg/sub/mod.py", "~tilde.py"]
    root = make_project({"dags/etl.py": corpus.DAG, **{f"plugins/{n}": "X = 1\n" for n in odd}})
    out = tmp_path / "out"
    code, _, _ = package(root, out, capsys=capsys)
    assert code == 0
    with zipfile.ZipFile(out / "plugins.zip") as archive:
        names = archive.namelist()
        for info in archive.infolist():
            name = info.filename
            assert not name.startswith("/") and "\\" not in name, name
            assert ".." not in name.split("/") and "" not in name.split("/"), name
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
    assert sorted(names) == sorted(odd)
    # Unpacked anywhere, every member lands inside the folder it is unpacked into.
    target = tmp_path / "unpacked"
    with zipfile.ZipFile(out / "plugins.zip") as archive:
        for name in names:
            assert (target / name).resolve().is_relative_to(target.resolve()), name


@pytest.mark.parametrize("name", ["..\\..\\evil.py", "C:drive.py"])
def test_a_plugin_name_an_unzip_tool_could_read_as_a_path_stops_the_bundle(make_project, tmp_path,
                                                                           capsys, name):
    root = make_project({"dags/etl.py": corpus.DAG, f"plugins/{name}": "X = 1\n"})
    assert main(["package", str(root), "--out", str(tmp_path / "out"), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and repr(name) in err and "not a relative POSIX path" in err
    assert not (tmp_path / "out").exists()


def test_zips_in_the_project_are_shipped_as_they_are_and_never_unpacked(make_project, tmp_path,
                                                                        capsys):
    root = make_project({"dags/etl.py": corpus.DAG})
    corpus.write_escaping_zip(root / "dags" / "packaged.zip")
    corpus.write_escaping_zip(root / "plugins.zip")
    before = corpus.snapshot(root)
    out = tmp_path / "out"
    code, _, _ = package(root, out, capsys=capsys)
    assert code == 0
    assert (out / "dags" / "packaged.zip").read_bytes() == (root / "dags" / "packaged.zip").read_bytes()
    assert main(["scan", str(root), "--no-cache"]) in (0, 1)
    assert main(["migrate", str(root), "--out", str(tmp_path / "m"), "--jobs", "1"]) in (0, 1)
    capsys.readouterr()
    assert corpus.snapshot(root) == before
    assert corpus.escaped_files(root) == []
    assert not list(tmp_path.rglob("escaped_*.py")) and not list(tmp_path.rglob("absolute_by_zip.py"))


UNPACKING = {"extract", "extractall", "unpack_archive", "_extract_member"}


def test_no_runtime_module_unpacks_an_archive():
    """The tool reads no zip from a project; this keeps it that way (a reader would need the
    traversal checks this file tests). compat/'s wheel reader only reads members into memory, and
    so does outcome.unpack_plugins, which refuses members that would land outside its folder
    (tests/test_outcome.py)."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in UNPACKING:
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
                if any(n.split(".")[0] == "tarfile" for n in names):
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno} tarfile")
    assert offenders == []
