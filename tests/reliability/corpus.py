"""A hostile project, made by the tests themselves: every kind of input that breaks naive tools."""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath

DAG = "from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n"

# name -> (relative path, bytes). Each entry is one hostile input.
FILES: dict[str, tuple[str, bytes]] = {
    "python2": ("dags/py2_dag.py", b'print "hello"\nexcept_ = 1\n'),
    "syntax-error": ("dags/broken.py", b"def broken(:\n    pass\n"),
    "undecodable": ("dags/undecodable.py", b"x = '\xff\xfe\xfa'\n"),
    "latin1-cookie": ("dags/latin1.py", b"# -*- coding: latin-1 -*-\n" + DAG.encode() + b"name = 'caf\xe9'\n"),
    # Coding declarations naming a codec Python cannot read source in: not a text encoding,
    # not ASCII-compatible, refusing the bytes, unknown.
    "cookie-rot13": ("dags/cookie_rot13.py", b"# -*- coding: rot13 -*-\n" + DAG.encode()),
    "cookie-zlib": ("dags/cookie_zlib.py", b"# vim: set fileencoding=zlib :\n" + DAG.encode()),
    "cookie-utf16": ("dags/cookie_utf16.py", b"#!/usr/bin/env python\n# coding=utf-16\n" + DAG.encode()),
    "cookie-punycode": ("dags/cookie_punycode.py", b"# coding: punycode\n" + DAG.encode()),
    "cookie-unknown": ("dags/cookie_unknown.py", b"# coding: no-such-codec\n" + DAG.encode()),
    # Text as Windows tools write it: UTF-16/UTF-32 with a byte order mark.
    "env-utf16": (".env.windows", b"\xff\xfe" + "AIRFLOW_CONN_UTF16=postgres://u:p@db.corp.local/x\r\n"
                  .encode("utf-16-le")),
    "connections-utf32": ("connections.windows.json", b"\x00\x00\xfe\xff" + json.dumps(
        {"utf32_db": {"conn_type": "mysql", "host": "db.corp.local"}}).encode("utf-32-be")),
    "requirements-utf16": ("requirements-windows.txt", b"\xfe\xff" + "pandas==2.2.2\r\n"
                           .encode("utf-16-be")),
    "python-utf16": ("dags/utf16.py", b"\xff\xfe" + DAG.encode("utf-16-le")),
    "utf8-bom": ("dags/bom.py", b"\xef\xbb\xbf" + DAG.encode() + b"x = 1\n"),
    "crlf": ("dags/crlf.py", DAG.replace("\n", "\r\n").encode() + b"x = 1\r\n"),
    "mixed-newlines": ("dags/mixed.py", DAG.encode() + b"x = 1\r\ny = 2\rz = 3\n"),
    "tabs": ("dags/tabs.py", b"if True:\n\tx = 1\n\tif x:\n\t\ty = 2\n"),
    "nul-bytes": ("dags/nul.py", b"x = 1\x00\x00\n"),
    "binary-named-py": ("dags/binary.py", bytes(range(256)) * 4),
    "empty": ("dags/empty.py", b""),
    "deep-nesting": ("dags/deep.py", b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n"),
    "deep-brackets-list": ("dags/deep_list.py", b"x = " + b"[" * 200 + b"]" * 200 + b"\n"),
    # Python 3.12 syntax (fine on the default 3.12 target), alone and with what crashes parsers.
    "python312": ("dags/py312.py", DAG.encode() + b'type Pair[T] = tuple[T, T]\nNAMES = {"a": 1}\n'
                  b'LABEL = f"{NAMES["a"]:>{4}}"\nNOTE = f"{len(NAMES)  # how many\n}"\n'),
    "python312-deep-nesting": ("dags/py312_deep.py", b"type X = int\nx = " + b"not " * 100_000 + b"1\n"),
    "python312-deep-brackets": ("dags/py312_brackets.py", b'x = f"{d["k"]}"\ny = ' + b"(" * 5000 + b"1"
                                + b")" * 5000 + b"\n"),
    "space-in-name": ("dags/my dag file.py", DAG.encode() + b"d = 1\n"),
    "non-ascii-name": ("dags/données_été.py", DAG.encode() + "nom = 'été'\n".encode()),
    "requirements-odd": ("requirements.txt", (
        b"# every odd pip line\n"
        b"-r requirements-missing.txt\n"
        b"-r requirements-dir.txt\n"
        b"-c constraints-loop.txt\n"
        b"--index-url https://user:secret-token@pypi.acme.internal/simple\n"
        b"--extra-index-url=https://pypi.org/simple\n"
        b"--find-links /wheels\n--no-index\n"
        b"-e git+https://github.com/acme/etl.git@v1#egg=acme-etl\n"
        b"git+ssh://git@github.com/acme/x.git\n"
        b"./local/pkg\n"
        b"https://example.com/pkg-1.0.tar.gz\n"
        b"pandas==1.3.5 --hash=sha256:abc \\\n    --hash=sha256:def\n"
        b"requests[security,socks]>=2.0; python_version < '3.8'\n"
        b"not a requirement at all !!\n"
        b"apache-airflow[postgres]==1.10.15\n"
        b"\t  \n"
        b"numpy==\n"
    )),
    "constraints-loop": ("constraints-loop.txt", b"-c constraints-loop.txt\nnumpy==1.26.4\n"),
    "airflow-cfg": ("airflow.cfg", (
        b"[core]\nexecutor = LocalExecutor\ndag_ignore_file_syntax = regexp\nsql_alchemy_conn = postgresql://airflow:hunter2@db:5432/airflow\n"
        b"fernet_key = 81HqDtbqAywKSOumSha3BhWNOdQ26slT6K0YaZeZyPs=\n"
        b"dags_folder = %(AIRFLOW_HOME)s/dags\n"
        b"[core]\nparallelism = 32%\n"
        b"[webserver]\nsecret_key = %(undefined)s\n"
        b"no section header line\n"
    )),
    "compose": ("docker-compose.yaml", (
        b"x-airflow-common: &airflow-common\n"
        b"  environment: &env\n"
        b"    AIRFLOW__CORE__EXECUTOR: CeleryExecutor\n"
        b"    AIRFLOW_CONN_WAREHOUSE: postgres://etl:p%40ss@warehouse.corp.local:5432/dw\n"
        b"  env_file:\n    - .env\n    - missing.env\n"
        b"  volumes:\n    - ./dags:/opt/airflow/dags\n"
        b"services:\n"
        b"  scheduler:\n    <<: *airflow-common\n    environment:\n      <<: *env\n      EXTRA: '1'\n"
        b"  broken: [unclosed\n"
    )),
    # The v1 compose format (services at the top level), with a password that breaks URL parsing.
    "compose-v1": ("docker-compose.v1.yml", (b"worker:\n  image: apache/airflow:1.10.15\n  environment:\n"
                                             b"    - AIRFLOW_CONN_LEGACY=postgres://etl:pa#ss/wd@db.corp.local:5432/dw\n")),
    "env-file": (".env", b"AIRFLOW_CONN_S3=aws://AKIAXXXX:secret@\nnot an assignment\nAIRFLOW_VAR_X='{\"a\": 1'\n"),
    "connections-json-broken": ("connections.json", b'{"warehouse": {"conn_type": "postgres", "password": "pw"'),
    "connections-yaml-broken": ("airflow_settings.yaml", b"airflow:\n  connections:\n    - conn_id: x\n   bad: [\n"),
    "variables-json-wrong-shape": ("variables.json", b'["not", "a", "mapping"]'),
    "airflowignore-bad-regexp": ("dags/.airflowignore", b"common/\n[unclosed(\n*.tmp\n"),
    # Python's re backtracks for hours on this against the long name below; Airflow's RE2 does not.
    "airflowignore-redos": ("dags/slow/.airflowignore", b"(a+)+$\n^(x|x)*y\n.*.*.*.*.*=\n"),
    "redos-victim-name": ("dags/slow/" + "a" * 80 + "!.py", DAG.encode() + b"v = 1\n"),
    "newline-in-name": ("dags/new\nline.py", DAG.encode() + b"n = 1\n"),
    "backslash-in-name": ("dags/back\\slash.py", DAG.encode() + b"b = 1\n"),
    "folder-named-py": ("dags/folder.py/inner.py", DAG.encode() + b"f = 1\n"),
    "requirements-include-is-folder": ("requirements-dir.txt/README", b"a folder named like a requirements file\n"),
    "env-file-binary": (".env.local", b"\x00\x01AIRFLOW_CONN_X=\xff\xfe\nAIRFLOW_VAR_Y\n"),
    "dockerfile-odd": ("Dockerfile", (
        b"FROM apache/airflow:2.7.3\nENV A=\"unclosed\nARG\nRUN pip install \\\n"
        b"    -r requirements-missing.txt \\\n")),
    "entrypoint-odd": ("entrypoint.sh", (
        b"#!/bin/sh\nairflow connections add 'x --conn-uri \"postgres://u:p@h\n"
        b"airflow variables set\nexec \"$@\n")),
    "cfg-undecodable-long-line": ("config/airflow.cfg", b"[core]\ndags_folder = /opt/\xff\xfe/dags\nx = "
                                  + b"y" * 2_000 + b"\n"),
    "yaml-recursive-alias": ("docker-compose.override.yml", (
        b"x-loop: &loop [*loop]\nservices:\n  worker:\n    environment: *loop\n    volumes: *loop\n")),
    "yaml-alias-bomb": ("compose.laughs.yaml", b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
        b"%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n" % ((98 + i, 98 + i) + (97 + i,) * 9)
        for i in range(8)) + b"services:\n  w:\n    environment: *i\n"),
    "plugins-syntax-error": ("plugins/broken_plugin.py", b"from airflow.plugins_manager import AirflowPlugin\nclass P(:\n"),
    "plugins-binary": ("plugins/blob.py", bytes(range(256)) * 2),
    "prebuilt-zip-with-traversal": ("plugins.zip", b""),  # content written by build()
    "packaged-dag-zip-with-traversal": ("dags/packaged.zip", b""),
}
# Zip members no reader may ever extract: they escape the folder they are unpacked into.
ESCAPING_MEMBERS = ("../escaped_by_zip.py", "/tmp/absolute_by_zip.py", "a/../../escaped_twice.py")

BIG_FILE = ("dags/huge_generated.py", 20 * 1024 * 1024)


def build(root: Path) -> dict[str, str]:
    """Write the corpus under root; return {kind: relative path} of everything written."""
    written: dict[str, str] = {}
    for kind, (rel, data) in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[kind] = rel
    for kind in ("prebuilt-zip-with-traversal", "packaged-dag-zip-with-traversal"):
        write_escaping_zip(root / FILES[kind][0])
    undecodable = os.fsencode(root / "dags") + b"/\xff\xfe_latin.py"
    with open(undecodable, "wb") as handle:
        handle.write(DAG.encode())
    written["non-utf8-name"] = "dags/\\xff\\xfe_latin.py"  # as reports print it
    big_rel, size = BIG_FILE
    with (root / big_rel).open("wb") as handle:
        chunk = b"DATA = [" + b"1, " * 1000 + b"]\n"
        while handle.tell() < size:
            handle.write(chunk)
    written["20mb-file"] = big_rel
    dags = root / "dags"
    os.symlink(dags, dags / "loop")
    written["symlink-loop"] = "dags/loop"
    outside = root.parent / f"{root.name}-outside.py"
    outside.write_text("SECRET = 'outside the project'\n")
    os.symlink(outside, dags / "outside_link.py")
    written["symlink-outside"] = "dags/outside_link.py"
    os.symlink(root / "does-not-exist.py", dags / "dangling.py")
    written["symlink-dangling"] = "dags/dangling.py"
    locked = dags / "locked.py"
    locked.write_text(DAG)
    locked.chmod(0)
    written["unreadable-file"] = "dags/locked.py"
    locked_dir = dags / "locked_dir"
    locked_dir.mkdir()
    (locked_dir / "inner.py").write_text(DAG)
    locked_dir.chmod(0)
    written["unreadable-folder"] = "dags/locked_dir"
    fifo = dags / "pipe.py"
    os.mkfifo(fifo)
    written["fifo-named-py"] = "dags/pipe.py"
    return written


def write_escaping_zip(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ok_module.py", "OK = 1\n")
        for name in ESCAPING_MEMBERS:
            info = zipfile.ZipInfo("x")
            info.filename = name  # ZipInfo() would normalise the name; a hostile zip does not
            archive.writestr(info, "ESCAPED = True\n")


def escaped_files(root: Path) -> list[Path]:
    """Files an extracting reader would have created from the corpus zips."""
    names = {PurePosixPath(m).name for m in ESCAPING_MEMBERS}
    candidates = [root.parent, root.parent.parent, Path("/tmp"), *root.rglob("*")]
    found = []
    for folder in candidates:
        if folder.is_dir() and not folder.is_symlink():
            found += [folder / n for n in names if (folder / n).exists()]
    return found


def restore_permissions(root: Path) -> None:
    for rel in ("dags/locked.py", "dags/locked_dir"):
        path = root / rel
        if path.exists():
            path.chmod(0o755)


# Inputs that exist but cannot be read: one of each kind of source the tool reads.
UNREADABLE = {
    "unreadable-dag": ("dags/locked.py", DAG.encode() + b"x = 1\n"),
    "unreadable-plugin": ("plugins/locked_plugin.py", b"X = 1\n"),
    "unreadable-requirements": ("requirements.txt", b"pandas==2.2.2\n"),
    "unreadable-airflow-cfg": ("airflow.cfg", b"[core]\nparallelism = 8\n"),
    "unreadable-env": (".env", b"AIRFLOW_CONN_PG=postgres://u:p@h/db\n"),
    "unreadable-compose": ("docker-compose.yaml", b"services: {}\n"),
    "unreadable-connections": ("connections.json", b"{}\n"),
    "unreadable-airflowignore": ("dags/.airflowignore", b"tmp/\n"),
    "unreadable-folder": ("dags/locked_dir/inner.py", DAG.encode()),
}
READABLE_DAG = ("dags/fine.py", DAG.encode() + b"fine = 1\n")


def build_unreadable(root: Path) -> dict[str, str]:
    """A project whose every kind of source exists but cannot be read; {kind: path}."""
    written = {}
    for kind, (rel, data) in {**UNREADABLE, "readable": READABLE_DAG}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[kind] = rel
    for kind, (rel, _) in UNREADABLE.items():
        target = root / (rel.rsplit("/", 1)[0] if kind == "unreadable-folder" else rel)
        target.chmod(0)
        written[kind] = target.relative_to(root).as_posix()
    return written


def restore_unreadable(root: Path) -> None:
    for kind, (rel, _) in UNREADABLE.items():
        target = root / (rel.rsplit("/", 1)[0] if kind == "unreadable-folder" else rel)
        if target.exists():
            target.chmod(0o755)


def snapshot(root: Path) -> dict[str, str]:
    """What every entry under ``root`` is, without following links or opening FIFOs:
    {path: sha256 and mode | link target | kind}. Equal snapshots mean an untouched tree."""
    import hashlib
    import stat

    state: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            info = path.lstat()
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                state[rel] = f"link {os.readlink(path)}"
            elif stat.S_ISDIR(info.st_mode):
                state[rel] = f"dir {mode:o}"
            elif stat.S_ISREG(info.st_mode):
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                state[rel] = f"file {mode:o} {digest}"
            else:
                state[rel] = f"special {stat.S_IFMT(info.st_mode):o} {mode:o}"
    return state


# What a task-history export can hold in a timestamp column (``size --history``): infinities,
# NaN, numbers past any clock, placeholders for "never", dates that are none.
HOSTILE_TIMESTAMPS = ["inf", "-inf", "nan", "1e400", "-1e20", "9999-12-31", "0001-01-01", "",
                      "NULL", "\\N", "yesterday", "2024-13-45", "2024-02-30T25:61:00",
                      "1" * 5000, "1970-01-01 00:00:00+99:00"]


# -- where a report may be asked to go (``-o PATH``) ---------------------------------------------

REPORT_TARGET = "target.txt"  # what a link or a second name points at, beside the path


def make_output_path(folder: Path, kind: str) -> Path:
    """A path of this ``kind`` in ``folder`` for a command to write its report to."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.txt"
    target = folder / REPORT_TARGET
    if kind == "new":
        return path
    if kind == "new-folder":
        return folder / "not" / "yet" / "report.txt"
    if kind in ("regular", "symlink", "symlink-chain", "hard-link"):
        (target if kind != "regular" else path).write_text("an earlier report\n")
    if kind in ("symlink", "dangling-symlink"):
        path.symlink_to(target)
    elif kind == "symlink-chain":
        (folder / "middle").symlink_to(target)
        path.symlink_to(folder / "middle")
    elif kind == "hard-link":
        os.link(target, path)
    elif kind == "char-device":
        return device(folder, "null")
    elif kind == "folder":
        path.mkdir()
    elif kind == "symlink-to-folder":
        target.mkdir()
        path.symlink_to(target)
    return path


OUTPUT_KINDS = ("new", "new-folder", "regular", "symlink", "dangling-symlink", "symlink-chain",
                "hard-link", "char-device", "folder", "symlink-to-folder")


DEVICE_MINORS = {"null": 3, "full": 7}  # Linux memory devices (major 1)


def device(folder: Path, name: str) -> Path:
    """A character device (/dev/null: discards writes; /dev/full: fails them with ENOSPC). As
    root, a private copy made with mknod, so a regression replaces the copy instead of the
    machine's; otherwise the machine's, which an unprivileged run cannot replace."""
    import stat

    if os.geteuid() != 0:
        return Path("/dev") / name
    path = folder / name
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, DEVICE_MINORS[name]))
    return path
