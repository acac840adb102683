"""bench/field/ruff_recall.py: a ruff AIR301/AIR302 finding is matched by ours in the same file
naming the same symbol, a related location included; files the scan does not read are apart."""

from __future__ import annotations

import sys

from conftest import REPO, write_files

sys.path.insert(0, str(REPO / "bench" / "field"))
import ruff_recall

SCAN = {"inventory": {"sources": {"dag_folders": ["dags"], "plugins_folder": []}},
        "findings": [{"path": "dags/a.py", "message": "airflow.utils.dates.days_ago is removed",
                      "related": [{"path": "dags/b.py", "message": "API006: another use"}]}]}


def test_the_symbol_is_the_last_part_of_the_first_quoted_name():
    assert ruff_recall.symbol("`airflow.utils.dates.days_ago` is removed in Airflow 3.0") == "days_ago"
    assert ruff_recall.symbol("`schedule_interval` is removed in Airflow 3.0") == "schedule_interval"
    assert ruff_recall.symbol("Expected an expression") is None


def test_related_locations_count_and_files_outside_the_project_are_apart():
    texts = ruff_recall.our_texts_by_path(SCAN)
    assert "days_ago" in " ".join(texts["dags/b.py"])
    assert ruff_recall.in_scope("dags/sub/c.py", SCAN, texts)
    assert not ruff_recall.in_scope("tests/test_c.py", SCAN, texts)


def test_a_run_over_a_work_folder_counts_matches(tmp_path, capsys):
    import json

    write_files(tmp_path, {
        "src/r/dags/a.py": "from airflow.utils.dates import days_ago\nstart = days_ago(1)\n",
        "src/r/dags/b.py": "from airflow.utils.dates import days_ago\nstart = days_ago(2)\n",
        # ours names days_ago in a.py only (no related location in b.py this time)
        "runs/3.3.1/r/scan.json": json.dumps({**SCAN, "findings": [{**SCAN["findings"][0], "related": []}]})})
    assert ruff_recall.main(["--work", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "read: 2; matched by ours (same file, same symbol): 1; unmatched: 1;" in out
