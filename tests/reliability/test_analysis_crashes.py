"""A parser of one project file that raises never takes a command down.

Every analysis of a non-Python source is made to raise in turn (the parser is patched, as a
defect of this tool would behave); every command must still write its whole output, report the
file (MIG006, or the command's own list of files it could not read), exit 3 and print no
traceback. The root cause seen in the field (an `.env` line with an empty value) is tested on
its own below, as a property of the env-file parser.
"""

from __future__ import annotations

import json
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.analysis import config, envsources, plugins
from migrator.analysis.connections import project as connections
from migrator.analysis.requirements import project_set
from migrator.cli import main

PROJECT = {
    "dags/etl.py": ("from datetime import datetime\nfrom airflow import DAG\n"
                    "from airflow.operators.bash_operator import BashOperator\n\n"
                    "with DAG('etl', start_date=datetime(2024, 1, 1), schedule_interval='@daily'):\n"
                    "    BashOperator(task_id='run', bash_command='echo hi')\n"),
    "plugins/acme_plugin.py": ("from airflow.plugins_manager import AirflowPlugin\n\n"
                               "class AcmePlugin(AirflowPlugin):\n    name = 'acme'\n"),
    ".env": "AIRFLOW__CORE__PARALLELISM=32\nAIRFLOW_CONN_WAREHOUSE=postgres://u:p@db:5432/w\n",
    "docker-compose.yaml": "services:\n  scheduler:\n    image: apache/airflow:2.7.3\n",
    "Dockerfile": "FROM apache/airflow:2.7.3\nRUN pip install pandas==2.1.4\n",
    "entrypoint.sh": "#!/bin/sh\nairflow pools set etl 4 'ETL'\n",
    "airflow.cfg": "[core]\nparallelism = 32\n",
    "requirements.txt": "pandas==2.1.4\n",
    "connections.json": '{"warehouse": {"conn_type": "postgres", "host": "db"}}\n',
    "pools.csv": "pool_name,slots\netl,4\n",
}

# (module, parser, the analysis name MIG006 reports, the file it reports)
PARSERS = [
    (envsources, "parse_env_file", "env file", ".env"),
    (envsources, "parse_compose", "compose file", "docker-compose.yaml"),
    (envsources, "parse_dockerfile", "Dockerfile", "Dockerfile"),
    (envsources, "parse_script", "entrypoint script", "entrypoint.sh"),
    (config, "parse_airflow_cfg", "airflow.cfg", "airflow.cfg"),
    (project_set, "parse_requirements_text", "requirements file", "requirements.txt"),
    (connections, "_read_export", "connection export", "connections.json"),
    (connections, "_read_pool_table", "pool table", "pools.csv"),
    (plugins, "plugins_in_module", "plugin module", "plugins/acme_plugin.py"),
]
PARSER_IDS = [name for _, name, _, _ in PARSERS]


def run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("module", "parser", "analysis", "path"), PARSERS, ids=PARSER_IDS)
def test_scan_reports_the_file_and_the_rest_of_the_project(module, parser, analysis, path, make_project,
                                                          capsys):
    root = make_project(PROJECT)
    with mock.patch.object(module, parser, side_effect=IndexError("string index out of range")):
        code, out, err = run(["scan", str(root), "-f", "json", "--no-cache", "-q"], capsys)
    assert code == 3, err
    assert "Traceback" not in out + err and "internal error on some files" in err
    document = json.loads(out)
    crashes = [f for f in document["findings"] if f["rule"] == "MIG006"]
    assert [(f["path"], analysis in f["message"]) for f in crashes] == [(path, True)]
    assert "IndexError: string index out of range" in crashes[0]["message"]
    # Everything else is still analysed: the DAG's legacy import is still reported.
    assert any(f["rule"] == "API001" and f["path"] == "dags/etl.py" for f in document["findings"])
    assert not [f for f in document["findings"] if f["rule"] == "MIG005"]  # no rule crashed with it


@pytest.mark.parametrize("command", ["fix", "package", "size", "migrate", "connections"])
@pytest.mark.parametrize(("module", "parser", "analysis", "path"), PARSERS, ids=PARSER_IDS)
def test_every_command_finishes_its_output_then_exits_3(command, module, parser, analysis, path,
                                                       make_project, tmp_path, capsys):
    root = make_project(PROJECT)
    out_dir = tmp_path / "out"
    args = {
        "fix": ["fix", str(root), "--no-cache"],
        "package": ["package", str(root), "--out", str(out_dir)],
        "size": ["size", str(root), "-f", "json"],
        "migrate": ["migrate", str(root), "--out", str(out_dir)],
        "connections": ["connections", "export", str(root), "-f", "json"],
    }[command]
    with mock.patch.object(module, parser, side_effect=RuntimeError("defect")):
        code, out, err = run(args, capsys)
    assert "Traceback" not in out + err
    used = {  # the analyses each command reads; a crash elsewhere does not concern it
        "size": {"connection export", "pool table", "entrypoint script", "env file", "compose file",
                 "Dockerfile"},
        "connections": {"connection export", "pool table", "entrypoint script", "env file",
                        "compose file", "Dockerfile"},
    }.get(command)
    if used is not None and analysis not in used:
        assert code in (0, 1), err
        return
    assert code == 3, err
    assert "internal error on some files" in err
    if command == "package":
        assert (out_dir / "manifest.json").is_file()
    elif command == "migrate":
        report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
        assert any(f["rule"] == "MIG006" for f in report["findings"]["after"]["findings"])
    elif command == "size":
        document = json.loads(out)
        assert document["crashed"] and any(path in w and "RuntimeError: defect" in w
                                           for w in document["warnings"])
    elif command == "connections":
        document = json.loads(out)
        assert any(entry["path"] == path for entry in document["unreadable"])


# -- the root cause seen in the field: an env line with an empty value ---------------------------

ENV_LINE = st.one_of(
    st.sampled_from(["X=", "X= ", "export X=", "X=''", 'X=""', "X='", 'X="', "=", "=y", "X", "X=#c",
                     "X= #c", "X='a' #c", 'X="a\\"b"', "X=${Y:-}", "\ufeffX=1"]),
    st.text(alphabet=st.sampled_from("AX_=\"' #$\\{}-:\t"), max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ENV_LINE, max_size=6))
def test_env_file_parser_takes_any_line(lines):
    variables = envsources.parse_env_file("\n".join(lines), ".env")
    assert all(v.name and "=" not in v.name for v in variables)


@pytest.mark.parametrize(("raw", "value"), [("", ""), (" ", ""), ("'", "'"), ('"', '"'), ("a #c", "a")])
def test_unquote_takes_empty_and_lone_quote_values(raw, value):
    assert envsources.unquote_value(raw) == value
