"""Task history, verify results and pool definitions: accepted shapes and one-line errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from migrator.config import Settings
from migrator.errors import InputError
from migrator.project import ProjectFacts
from migrator.sizing.inputs import load_history, load_verify_results, parse_timestamp, read_pools
from migrator.workspace import discover


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-03-01T10:00:00+00:00", datetime(2025, 3, 1, 10, tzinfo=UTC)),
    ("2025-03-01 10:00:00.123+00", datetime(2025, 3, 1, 10, 0, 0, 123000, tzinfo=UTC)),
    ("2025-03-01T12:00:00+02:00", datetime(2025, 3, 1, 10, tzinfo=UTC)),
    ("2025-03-01T10:00:00Z", datetime(2025, 3, 1, 10, tzinfo=UTC)),
    ("2025-03-01 10:00:00", datetime(2025, 3, 1, 10, tzinfo=UTC)),  # no zone: UTC
    (1740823200, datetime(2025, 3, 1, 10, tzinfo=UTC)),
    ("", None), ("NULL", None), ("\\N", None), (None, None),
])
def test_timestamps_postgres_mysql_and_iso(text, expected):
    assert parse_timestamp(text) == expected


def test_a_value_that_is_no_timestamp_says_so():
    with pytest.raises(ValueError, match="'yesterday' is not a timestamp"):
        parse_timestamp("yesterday")


def test_postgres_csv_export(tmp_path):
    path = write(tmp_path, "ti.csv", (
        "dag_id,task_id,run_id,state,start,end\n"
        "etl,load,r1,success,2025-03-01 10:00:00+00,2025-03-01 10:10:00+00\n"
        "etl,load,r2,failed,2025-03-02 10:00:00+00,2025-03-02 10:30:00+00\n"
        "etl,load,r3,running,2025-03-03 10:00:00+00,\n"
        "etl,load,r4,success,2025-03-04 10:00:00+00,2025-03-04 10:20:00+00\n"
        "etl,load,r5,skipped,2025-03-05 10:00:00+00,2025-03-05 10:00:00+00\n"
    ))
    history = load_history(path)
    assert (history.rows, history.used) == (5, 3)
    assert history.median_seconds(["etl"], "load") == (1200.0, 3)
    assert history.days == 4  # 1 to 4 March
    assert [s.day for s in history.run_starts["etl"]] == [1, 2, 4]


def test_mysql_batch_tsv_with_airflow_column_names(tmp_path):
    path = write(tmp_path, "ti.tsv", (
        "dag_id\ttask_id\texecution_date\tstate\tstart_date\tend_date\n"
        "etl\tload\t2025-03-01 00:00:00\tsuccess\t2025-03-01 10:00:00\t2025-03-01 10:05:00\n"
        "etl\tload\t2025-03-02 00:00:00\tsuccess\t2025-03-02 10:00:00\t2025-03-02 10:15:00\n"
    ))
    history = load_history(path)
    assert history.median_seconds(["etl"], "load") == (600.0, 2)
    assert len(history.run_starts["etl"]) == 2


def test_json_export_wrapped_or_bare(tmp_path):
    rows = ('[{"dag_id": "a", "task_id": "t", "start_date": "2025-01-01T00:00:00", '
            '"end_date": "2025-01-01T00:01:30"}]')
    assert load_history(write(tmp_path, "bare.json", rows)).median_seconds(["a"], "t") == (90.0, 1)
    wrapped = write(tmp_path, "wrapped.json", '{"task_instances": ' + rows + "}")
    assert load_history(wrapped).used == 1


@pytest.mark.parametrize(("name", "text", "message"), [
    ("missing.csv", None, "task history file not found"),
    ("empty.csv", "", "task history has no rows"),
    ("columns.csv", "dag,task,when\na,b,c\n", "lacks the column(s) start, end"),
    ("bad.json", "[{", "not valid JSON"),
    ("shape.json", '{"rows": 3}', "expected a JSON list of task instances"),
    ("unfinished.csv", "dag_id,task_id,start,end\na,b,2025-01-01T00:00:00,\n", "no finished task instance"),
])
def test_bad_history_is_a_one_line_error_naming_the_file(tmp_path, name, text, message):
    path = tmp_path / name if text is None else write(tmp_path, name, text)
    with pytest.raises(InputError) as caught:
        load_history(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_verify_results_parse_times(tmp_path):
    path = write(tmp_path, "verify.json", (
        '{"tool": {}, "files": ['
        '{"path": "dags/a.py", "status": "loaded", "parse_seconds": 1.5},'
        '{"path": "./dags/b.py", "status": "import_error", "parse_seconds": 0.25},'
        '{"path": "dags/c.py", "status": "timeout", "parse_seconds": null}]}'
    ))
    assert load_verify_results(path) == {"dags/a.py": 1.5, "dags/b.py": 0.25}


@pytest.mark.parametrize(("text", "message"), [
    ("[]", 'expected {"files"'),
    ('{"files": [{"parse_seconds": 1}]}', 'needs a "path"'),
    ('{"files": [{"path": "a.py", "parse_seconds": "slow"}]}', "is not a number of seconds"),
])
def test_bad_verify_results(tmp_path, text, message):
    with pytest.raises(InputError, match=message):
        load_verify_results(write(tmp_path, "verify.json", text))


def test_pools_from_exports_settings_and_commands(make_project):
    root = make_project({
        "dags/x.py": "from airflow import DAG\n",
        "pools.json": '{"etl": {"slots": 8, "description": "ETL"}, "unbounded": {"slots": -1}}',
        "airflow_settings.yaml": ("airflow:\n  pools:\n    - pool_name: db\n      pool_slot: 3\n"
                                  "      pool_description: database\n"),
        "entrypoint.sh": "#!/bin/sh\nairflow pools set api 2 'API calls'\nairflow pool -s legacy 5 old\n",
        "pools-broken.json": "{not json",
    })
    pools = read_pools(ProjectFacts(discover(root, Settings()), []))
    assert {name: (p.slots, p.source) for name, p in pools.items()} == {
        "etl": (8, "pools.json:1"),
        "unbounded": (-1, "pools.json:1"),
        "db": (3, "airflow_settings.yaml:3"),
        "api": (2, "entrypoint.sh:2"),
        "legacy": (5, "entrypoint.sh:3"),
    }
    assert pools["unbounded"].unlimited
