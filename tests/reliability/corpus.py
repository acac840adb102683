"""A hostile project, made by the tests themselves: every kind of input that breaks naive tools."""

from __future__ import annotations

import os
from pathlib import Path

DAG = "from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n"

# name -> (relative path, bytes). Each entry is one hostile input.
FILES: dict[str, tuple[str, bytes]] = {
    "python2": ("dags/py2_dag.py", b'print "hello"\nexcept_ = 1\n'),
    "syntax-error": ("dags/broken.py", b"def broken(:\n    pass\n"),
    "undecodable": ("dags/undecodable.py", b"x = '\xff\xfe\xfa'\n"),
    "latin1-cookie": ("dags/latin1.py", b"# -*- coding: latin-1 -*-\n" + DAG.encode() + b"name = 'caf\xe9'\n"),
    "utf8-bom": ("dags/bom.py", b"\xef\xbb\xbf" + DAG.encode() + b"x = 1\n"),
    "crlf": ("dags/crlf.py", DAG.replace("\n", "\r\n").encode() + b"x = 1\r\n"),
    "mixed-newlines": ("dags/mixed.py", DAG.encode() + b"x = 1\r\ny = 2\rz = 3\n"),
    "tabs": ("dags/tabs.py", b"if True:\n\tx = 1\n\tif x:\n\t\ty = 2\n"),
    "nul-bytes": ("dags/nul.py", b"x = 1\x00\x00\n"),
    "binary-named-py": ("dags/binary.py", bytes(range(256)) * 4),
    "empty": ("dags/empty.py", b""),
    "deep-nesting": ("dags/deep.py", b"x = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\n"),
    "deep-brackets-list": ("dags/deep_list.py", b"x = " + b"[" * 200 + b"]" * 200 + b"\n"),
    "space-in-name": ("dags/my dag file.py", DAG.encode() + b"d = 1\n"),
    "non-ascii-name": ("dags/données_été.py", DAG.encode() + "nom = 'été'\n".encode()),
    "requirements-odd": ("requirements.txt", (
        "# every odd pip line\n"
        "-r requirements-missing.txt\n"
        "-c constraints-loop.txt\n"
        "--index-url https://user:secret-token@pypi.acme.internal/simple\n"
        "--extra-index-url=https://pypi.org/simple\n"
        "--find-links /wheels\n--no-index\n"
        "-e git+https://github.com/acme/etl.git@v1#egg=acme-etl\n"
        "git+ssh://git@github.com/acme/x.git\n"
        "./local/pkg\n"
        "https://example.com/pkg-1.0.tar.gz\n"
        "pandas==1.3.5 --hash=sha256:abc \\\n    --hash=sha256:def\n"
        "requests[security,socks]>=2.0; python_version < '3.8'\n"
        "not a requirement at all !!\n"
        "apache-airflow[postgres]==1.10.15\n"
        "\t  \n"
        "numpy==\n"
    ).encode()),
    "constraints-loop": ("constraints-loop.txt", b"-c constraints-loop.txt\nnumpy==1.26.4\n"),
    "airflow-cfg": ("airflow.cfg", (
        "[core]\nexecutor = LocalExecutor\nsql_alchemy_conn = postgresql://airflow:hunter2@db:5432/airflow\n"
        "fernet_key = 81HqDtbqAywKSOumSha3BhWNOdQ26slT6K0YaZeZyPs=\n"
        "dags_folder = %(AIRFLOW_HOME)s/dags\n"
        "[core]\nparallelism = 32%\n"
        "[webserver]\nsecret_key = %(undefined)s\n"
        "no section header line\n"
    ).encode()),
    "compose": ("docker-compose.yaml", (
        "x-airflow-common: &airflow-common\n"
        "  environment: &env\n"
        "    AIRFLOW__CORE__EXECUTOR: CeleryExecutor\n"
        "    AIRFLOW_CONN_WAREHOUSE: postgres://etl:p%40ss@warehouse.corp.local:5432/dw\n"
        "  env_file:\n    - .env\n    - missing.env\n"
        "  volumes:\n    - ./dags:/opt/airflow/dags\n"
        "services:\n"
        "  scheduler:\n    <<: *airflow-common\n    environment:\n      <<: *env\n      EXTRA: '1'\n"
        "  broken: [unclosed\n"
    ).encode()),
    "env-file": (".env", b"AIRFLOW_CONN_S3=aws://AKIAXXXX:secret@\nnot an assignment\nAIRFLOW_VAR_X='{\"a\": 1'\n"),
    "connections-json-broken": ("connections.json", b'{"warehouse": {"conn_type": "postgres", "password": "pw"'),
    "connections-yaml-broken": ("airflow_settings.yaml", b"airflow:\n  connections:\n    - conn_id: x\n   bad: [\n"),
    "variables-json-wrong-shape": ("variables.json", b'["not", "a", "mapping"]'),
    "airflowignore-bad-regexp": ("dags/.airflowignore", b"common/\n[unclosed(\n*.tmp\n"),
}

BIG_FILE = ("dags/huge_generated.py", 20 * 1024 * 1024)


def build(root: Path) -> dict[str, str]:
    """Write the corpus under root; return {kind: relative path} of everything written."""
    written: dict[str, str] = {}
    for kind, (rel, data) in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written[kind] = rel
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


def restore_permissions(root: Path) -> None:
    for rel in ("dags/locked.py", "dags/locked_dir"):
        path = root / rel
        if path.exists():
            path.chmod(0o755)
