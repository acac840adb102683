"""CI that cannot pass by accident: a run that would check nothing is a usage error (exit 2)."""

from __future__ import annotations

import pytest

from migrator.cli import main
from migrator.errors import InputError
from migrator.guards import check_selectors, closest_rules

DAG = "from airflow import DAG\nDAG('a')\n"


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_selector_exits_2_naming_it_and_the_closest(make_project, capsys, option):
    root = make_project({"dags/a.py": DAG})
    code, out, err = run(["scan", str(root), option, "API001,ARI001"], capsys)
    assert code == 2 and out == ""
    assert err.startswith(f"migrator: error: {option}: no rule id starts with 'ARI001' (did you mean API001")
    assert "'API001'" not in err  # the real one is not blamed
    assert len(err.strip().splitlines()) == 1


def test_a_selector_that_resembles_nothing_lists_the_families(make_project, capsys):
    root = make_project({"dags/a.py": DAG})
    code, _, err = run(["scan", str(root), "--select", "XYZ"], capsys)
    assert code == 2
    assert "'XYZ'; rule ids start with API, CFG, CON" in err and "migrator rules" in err


def test_family_prefixes_and_any_case_are_selectors(make_project, capsys):
    root = make_project({"dags/a.py": DAG})
    code, _, err = run(["scan", str(root), "--select", "api,MWA0", "--ignore", "PY"], capsys)
    assert code in (0, 1) and "error" not in err


def test_a_rule_name_points_at_its_id():
    assert closest_rules("moved-import", ["API001", "API002"]) == ["API001"]


def test_unknown_selectors_in_the_settings_name_the_file(make_project, capsys):
    root = make_project({"dags/a.py": DAG,
                         ".migrator.toml": 'select = ["API"]\n[per-path-ignores]\n"dags/*" = ["MWAA"]\n'})
    code, _, err = run(["scan", str(root)], capsys)
    assert code == 2
    assert err.startswith("migrator: error: .migrator.toml per-path-ignores 'dags/*': "
                          "no rule id starts with 'MWAA' (did you mean MWA")


@pytest.mark.parametrize("command", ["scan", "fix"])
def test_every_command_refuses_unknown_selectors(make_project, capsys, command):
    root = make_project({"dags/a.py": DAG})
    code, _, err = run([command, str(root), "--ignore", "API999"], capsys)
    assert code == 2 and "'API999' (did you mean" in err


def test_check_selectors_accepts_every_rule_id_and_family():
    from migrator.rules import all_rules

    ids = [rule.id for rule in all_rules()]
    check_selectors(ids, "--select")
    check_selectors(sorted({i.rstrip("0123456789") for i in ids}), "--select")
    with pytest.raises(InputError, match="'API1000'"):
        check_selectors(["API1000"], "--select")


@pytest.mark.parametrize("files", [
    {".gitignore": "*.pyc\n"},
    {"README.md": "# notes\n", "scripts/tool.py": "print('not airflow')\n"},
])
def test_a_folder_without_airflow_files_exits_2(make_project, capsys, files):
    root = make_project(files)
    code, out, err = run(["scan", str(root), "-f", "json"], capsys)
    assert code == 2 and out == ""
    assert err.strip() == (f"migrator: error: {root}: no Airflow project found (no DAG folder, no plugins "
                           "folder, no Python file building a DAG, no airflow.cfg, no requirements file); "
                           "point PATH at the project, or name its DAG folders with [tool.migrator] dags")


@pytest.mark.parametrize("files", [{"airflow.cfg": "[core]\nexecutor = SequentialExecutor\n"},
                                   {"requirements.txt": "apache-airflow-providers-amazon\n"}])
def test_an_airflow_cfg_or_requirements_alone_is_checked(make_project, capsys, files):
    root = make_project(files)
    code, _, err = run(["scan", str(root)], capsys)
    assert code in (0, 1) and "no Airflow project" not in err


def test_migrate_refuses_an_output_folder_inside_the_source(make_project, capsys):
    root = make_project({"dags/a.py": DAG})
    code, out, err = run(["migrate", str(root), "--out", str(root / "mwaa-out")], capsys)
    assert code == 2 and out == ""
    assert f"{root / 'mwaa-out'}: the output folder is inside the source project {root}" in err
    assert f"--out {root.resolve().parent / (root.name + '-mwaa-out')}" in err
    assert not (root / "mwaa-out").exists()


def test_migrate_refuses_a_folder_without_airflow_files(make_project, tmp_path, capsys):
    root = make_project({"notes.txt": "nothing here\n"})
    code, _, err = run(["migrate", str(root), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "no Airflow project found" in err
    assert not (tmp_path / "out").exists()
