"""Text files with a byte order mark (UTF-8, UTF-16, UTF-32) read as what they say they are.

PowerShell 5's ``pip freeze > requirements.txt`` writes UTF-16 LE with a BOM; Windows editors
save configs as UTF-16 or UTF-8 with a BOM. Every kind of project text file is written in each
such encoding and newline style: scan must find what it finds in the UTF-8 project, package
must ship the same requirements and configuration, and fix must write each file back in its
own encoding. A file that cannot be read as text is never quietly dropped: a requirements file
the bundle cannot read is a bundle error, and a Python source with a UTF-16 BOM (Python cannot
import it) is a MIG003 finding.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability import corpus

from migrator.analysis.source import BOMS, SourceText, decode_python, decode_text
from migrator.cli import main
from migrator.safe_write import encode_like

ENCODINGS = sorted(BOMS)  # utf-8 (with its BOM), utf-16-le/be, utf-32-le/be
# Every kind of text file the tool reads besides Python, each with something to find in it.
TEXT_FILES = {
    "requirements.txt": "apache-airflow==2.7.3\npandas==2.2.2\nzeep==4.2.1\nrequests\n-c constraints.txt\n",
    "constraints.txt": "pandas==2.1.4\n",
    "airflow.cfg": "[core]\nexecutor = CeleryExecutor\nparallelism = 64\n"
                   "[webserver]\nsecret_key = Zq77nRy77Kw\n",
    ".env": "AIRFLOW_CONN_PG=postgres://etl:Zq78nRy78Kw@db.corp.local:5432/dw\n"
            "AIRFLOW__CORE__DEFAULT_TIMEZONE=Europe/Paris\n",
    "docker-compose.yaml": "services:\n  scheduler:\n    environment:\n"
                           "      AIRFLOW__CELERY__WORKER_CONCURRENCY: '8'\n"
                           "      AIRFLOW_VAR_REGION: eu-west-1\n    volumes:\n"
                           "      - ./dags:/opt/airflow/dags\n",
    "connections.json": json.dumps({"warehouse": {"conn_type": "postgres", "host": "wh.corp.local",
                                                  "login": "etl", "password": "Zq79nRy79Kw"}}),
    "dags/sql/report.sql": "select * from t where day = '{{ execution_date }}'\n",
}
DAG = (corpus.DAG + "from airflow.operators.python import PythonOperator\n"
       "t = BashOperator(task_id='t', bash_command='echo {{ execution_date }}')\n"
       "s = BashOperator(task_id='s', bash_command='sql/report.sql')\n")


def project_files(encoding: str | None, newline: str) -> dict[str, bytes]:
    files = {"dags/a.py": DAG.encode()}
    for rel, text in TEXT_FILES.items():
        text = text.replace("\n", newline)
        files[rel] = text.encode() if encoding is None else BOMS[encoding] + text.encode(encoding)
    return files


def scan_findings(root, capsys) -> list[tuple]:
    main(["scan", str(root), "--format", "json", "--no-cache", "--jobs", "1"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return sorted((f["rule"], f["path"], f["line"], f["message"]) for f in findings)


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_text_file_reads_the_same_in_any_bom_encoding(make_project, tmp_path, capsys,
                                                             encoding, newline):
    plain = make_project(project_files(None, newline))
    encoded = make_project(project_files(encoding, newline))
    expected = scan_findings(plain, capsys)
    assert {path for _, path, _, _ in expected} >= {"requirements.txt", "airflow.cfg", ".env",
                                                      "docker-compose.yaml", "connections.json"}
    assert scan_findings(encoded, capsys) == expected

    bundles = {}
    for name, root in (("plain", plain), ("encoded", encoded)):
        out = tmp_path / f"bundle-{name}"
        assert main(["package", str(root), "--out", str(out), "--jobs", "1"]) in (0, 1)
        bundles[name] = {part: (out / part).read_text()
                         for part in ("requirements.txt", "mwaa-config.json")}
    capsys.readouterr()
    # zeep: pandas is Airflow 2's own dependency, which a file pinning apache-airflow loses
    assert "zeep==" in bundles["plain"]["requirements.txt"]
    assert bundles["encoded"] == bundles["plain"]

    assert main(["connections", "export", str(encoded), "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert {s["name"] for s in exported["secrets"]} >= {"airflow/connections/pg",
                                                         "airflow/connections/warehouse"}


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_fix_writes_each_file_back_in_its_own_encoding(make_project, capsys, encoding):
    plain = make_project(project_files(None, "\r\n"))
    encoded = make_project(project_files(encoding, "\r\n"))
    for root in (plain, encoded):
        assert main(["fix", str(root), "--apply", "--no-diff", "--no-cache", "--jobs", "1"]) == 0
    capsys.readouterr()
    changed = [rel for rel in TEXT_FILES
               if (plain / rel).read_bytes() != project_files(None, "\r\n")[rel]]
    assert "requirements.txt" in changed and "dags/sql/report.sql" in changed
    for rel in TEXT_FILES:
        data = (encoded / rel).read_bytes()
        assert data.startswith(BOMS[encoding]), rel
        assert data[len(BOMS[encoding]):].decode(encoding) == (plain / rel).read_bytes().decode()


def test_a_requirements_file_the_bundle_cannot_read_is_a_bundle_error(make_project, tmp_path,
                                                                        capsys):
    root = make_project({"dags/a.py": DAG, "requirements.txt": b"-r more.txt\n",
                         "more.txt": "pandas==2.2.2\n".encode("utf-16-le")})  # no BOM: not text
    assert main(["package", str(root), "--out", str(tmp_path / "b"), "--jobs", "1"]) == 1
    out = capsys.readouterr().out
    assert ("error: more.txt: cannot read it (contains NUL bytes; a binary file, not text): the "
            "bundle's requirements.txt lacks the packages it lists") in out


@pytest.mark.parametrize("encoding", [e for e in ENCODINGS if e != "utf-8"])
def test_python_source_with_a_utf16_or_utf32_bom_is_named(make_project, capsys, encoding):
    root = make_project({"dags/a.py": BOMS[encoding] + DAG.encode(encoding)})
    assert main(["scan", str(root), "--format", "json", "--no-cache"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    message = (f"starts with a {encoding} byte order mark: Python reads source as UTF-8 (or as "
               "its coding declaration says), so neither it nor Airflow can import this file; "
               "re-save it as UTF-8")
    assert [(f["rule"], f["message"]) for f in findings if f["path"] == "dags/a.py"] == [
        ("MIG003", message)]


texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=200)


@settings(max_examples=300, deadline=None)
@given(text=texts, garbage=st.binary(max_size=200), encoding=st.sampled_from(ENCODINGS))
def test_bom_text_round_trips_and_other_bytes_say_why(text, garbage, encoding):
    data = BOMS[encoding] + text.encode(encoding)
    source = decode_text(data)
    assert isinstance(source, SourceText)
    assert (source.text, source.encoding, source.bom) == (text, encoding, BOMS[encoding])
    assert encode_like(source.text, source) == data
    for decoded in (decode_text(BOMS[encoding] + garbage), decode_python(BOMS[encoding] + garbage)):
        assert isinstance(decoded, SourceText) or "\n" not in decoded.message
