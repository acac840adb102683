"""`migrate --verify`: the bundle loaded as MWAA loads it, in a real Airflow (cached venvs).

The project is built so that each file either loads because the migration fixed it or laid it
out for MWAA's sys.path, or fails for a reason outside the tool's reach; the report must say
which, and why, in one line and per file.
"""

from __future__ import annotations

import json

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.cli import main
from migrator.outcome import verify_bundle

pytestmark = pytest.mark.airflow

TARGET = "3.3.1"
HEADER = "from datetime import datetime\n"
PROJECT = {
    # Fixed by the migration (API001 rewrites the 1.10 import): loads after it.
    "dags/legacy_bash.py": (HEADER + "from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n\n"
                            "with DAG('legacy_bash', start_date=datetime(2024, 1, 1), schedule=None):\n"
                            "    BashOperator(task_id='t', bash_command='echo')\n"),
    # Imports a third-party module no requirement provides.
    "dags/needs_package.py": (HEADER + "import not_a_real_package_xyz\nfrom airflow import DAG\n\n"
                              "DAG('needs_package', start_date=datetime(2024, 1, 1), schedule=None)\n"),
    # Astro-style helper at the repository root: on the path locally, not on MWAA, so the
    # bundle carries it into plugins.zip.
    "include/helpers.py": "TABLE = 'orders'\n",
    "dags/uses_include.py": (HEADER + "from include.helpers import TABLE\nfrom airflow import DAG\n\n"
                             "DAG('uses_include', start_date=datetime(2024, 1, 1), schedule=None)\n"),
    # The DAG folder imported as a package (its parent was on sys.path): fix drops the prefix.
    "dags/common/__init__.py": "",
    "dags/common/sql.py": "QUERY = 'select 1'\n",
    "dags/uses_dags_prefix.py": (HEADER + "from dags.common.sql import QUERY\nfrom airflow import DAG\n\n"
                                 "DAG('uses_dags_prefix', start_date=datetime(2024, 1, 1), schedule=None)\n"),
    # Reads a file by a path relative to where MWAA runs Airflow (AIRFLOW_HOME, which holds dags/).
    "dags/settings.json": '{"table": "orders"}\n',
    "dags/reads_relative.py": (HEADER + "import json\nfrom airflow import DAG\n\n"
                               "with open('dags/settings.json') as handle:\n    TABLE = json.load(handle)['table']\n"
                               "DAG('reads_relative', start_date=datetime(2024, 1, 1), schedule=None)\n"),
    "requirements.txt": "toolz==0.12.1\n",
}


def test_the_report_says_how_many_dag_files_load_and_why_the_others_do_not(make_project, tmp_path, capsys):
    root = make_project(PROJECT)
    out = tmp_path / "out"
    constraints = SHARED / "mwaa-data" / TARGET / "airflow_constraints.txt"
    code = main(["migrate", str(root), "--out", str(out), "--target", TARGET, "--verify",
                 "--constraints", str(constraints), "-q"])
    stdout = capsys.readouterr().out
    assert code in (0, 1)
    headline = f"4 of 5 DAG files load in Airflow {TARGET} with this bundle's requirements"
    assert f"verify    {headline}" in stdout
    verify = json.loads((out / "report.json").read_text(encoding="utf-8"))["verify"]
    assert verify["headline"] == headline
    assert verify["requirements"]["installed"] is True
    by_file = {f["bundle_path"]: f for f in verify["not_loading"]}
    assert {path: f["cause"] for path, f in by_file.items()} == {"dags/needs_package.py": "third-party-missing"}
    assert by_file["dags/needs_package.py"]["source_path"] == "dags/needs_package.py"
    assert verify["causes"] == {"third-party-missing": 1}
    report = (out / "report.md").read_text(encoding="utf-8")
    assert f"**{headline}.**" in report and "a third-party module it imports is not installed" in report


def test_requirements_that_do_not_install_are_repaired_in_the_bundle(make_project, tmp_path, capsys):
    """feedparser 5.2.1 exists only as an sdist that no longer builds (setuptools dropped
    use_2to3); a package not on the index installs at no version. MWAA would roll back the whole
    file: the bundle gets feedparser at a version that installs and loses the other, each said."""
    root = make_project({
        "dags/feeds.py": (HEADER + "import feedparser\nfrom airflow import DAG\n\n"
                          "DAG('feeds', start_date=datetime(2024, 1, 1), schedule=None)\n"),
        "requirements.txt": "feedparser==5.2.1\nmigrator-test-not-on-any-index==1.0\n",
    })
    out = tmp_path / "out"
    constraints = SHARED / "mwaa-data" / TARGET / "airflow_constraints.txt"
    code = main(["migrate", str(root), "--out", str(out), "--target", TARGET, "--verify",
                 "--constraints", str(constraints), "-q"])
    capsys.readouterr()
    assert code == 1  # the removed requirement is an error of the bundle
    verify = json.loads((out / "report.json").read_text(encoding="utf-8"))["verify"]
    assert verify["requirements"]["installed"] is True
    repairs = {r["requirement"]: r["replacement"] for r in verify["requirements"]["repairs"]}
    assert repairs["migrator-test-not-on-any-index==1.0"] is None
    assert repairs["feedparser==5.2.1"].startswith("feedparser==6.")
    assert verify["summary"]["loaded"] == 1  # feeds.py imports the feedparser that installed
    shipped = (out / "bundle" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert repairs["feedparser==5.2.1"] in shipped and "feedparser==5.2.1" not in shipped
    assert not any(line.startswith("migrator-test-not-on-any-index") for line in shipped)
    assert "Changed in the bundle's requirements.txt" in (out / "report.md").read_text(encoding="utf-8")


DAG_FILE = HEADER + "from airflow import DAG\n{imports}\nDAG('{dag_id}', start_date=datetime(2024, 1, 1), schedule=None)\n"
# Layouts other platforms allow: the Python root is src/ (so the DAG folder is the package
# "dags"), a team package is named dist, a helper module is named test_*.py, a company package
# sits beside the DAG folder under src/, and an Astro include/ module was never committed.
SRC_LAYOUT = {
    "src/__init__.py": "",
    "src/dags/__init__.py": "",
    "src/dags/dist/__init__.py": "", "src/dags/dist/budget/__init__.py": "",
    "src/dags/dist/budget/alerts.py": "TABLE = 'budget'\n",
    "src/dags/dist/budget/budget_dag.py": DAG_FILE.format(
        imports="from dags.dist.budget.alerts import TABLE\nfrom acme.jobs import run", dag_id="budget"),
    "src/dags/team/__init__.py": "", "src/dags/team/utils/__init__.py": "",
    "src/dags/team/utils/helpers.py": "NAME = 'x'\n",
    "src/dags/team/utils/test_verification.py": "from dags.team.utils import helpers\n\nNAME = helpers.NAME\n",
    "src/dags/team/training.py": DAG_FILE.format(
        imports="from dags.team.utils.test_verification import NAME", dag_id="training"),
    "src/acme/__init__.py": "", "src/acme/jobs.py": "from acme.io import read\n\nrun = read\n",
    "src/acme/io.py": "def read():\n    return 1\n",
    ".gitignore": "api_credentials.py\n",
    "include/__init__.py": "", "include/api/__init__.py": "",
    "include/api/fetch.py": "from include.api.api_credentials import KEY\n",
    "src/dags/games.py": DAG_FILE.format(imports="from include.api.fetch import KEY", dag_id="games"),
}


@pytest.mark.parametrize("target", ["3.3.1", "2.11.2"])
def test_imports_of_a_src_layout_resolve_in_the_bundle_and_a_missing_module_is_named(target, make_project,
                                                                                       tmp_path, capsys):
    root = make_project(SRC_LAYOUT)
    out = tmp_path / "out"
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    code = main(["migrate", str(root), "--out", str(out), "--target", target, "--verify",
                 "--constraints", str(constraints), "-q"])
    capsys.readouterr()
    assert code in (0, 1)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    verify = report["verify"]
    assert verify["headline"].startswith(f"2 of 3 DAG files load in Airflow {target}")
    assert [(f["bundle_path"], f["cause"], f["findings"]) for f in verify["not_loading"]] == [
        ("dags/games.py", "project-module-missing", ["MWA016"])]
    assert "include.api.api_credentials" in verify["not_loading"][0]["error"]


@pytest.mark.parametrize("target", ["3.3.1", "2.11.2"])
def test_a_dag_folder_file_read_from_the_project_root_loads_after_migrate(make_project, tmp_path, capsys, target):
    """The DAG folder is airflow/dags, and a DAG file reads airflow/dags/data/funders.csv by its
    path from the project's root while parsed (Airflow ran there on-prem). MWAA runs in
    /usr/local/airflow, where the bundle has the file at dags/data/funders.csv: MWA021's fix
    rewrites the literal, and the bundle loads (without it, FileNotFoundError)."""
    root = make_project({
        "pyproject.toml": '[tool.migrator]\ndags = ["airflow/dags"]\n',
        "airflow/dags/data/funders.csv": "id\nnsf\n",
        "airflow/dags/funders.py": (HEADER + "import csv\nfrom airflow import DAG\n\n"
                                    "with open('airflow/dags/data/funders.csv') as handle:\n"
                                    "    FUNDERS = [row['id'] for row in csv.DictReader(handle)]\n"
                                    "DAG(f'funders_{FUNDERS[0]}', start_date=datetime(2024, 1, 1), schedule=None)\n"),
    })
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    unfixed = tmp_path / "unfixed"  # the project as it was, packaged
    main(["package", str(root), "--out", str(unfixed), "--target", target, "--constraints", str(constraints), "-q"])
    [failed] = verify_bundle(unfixed, get_version(target), constraints=constraints).files
    assert "No such file or directory: 'airflow/dags/data/funders.csv'" in (failed.error or "")
    out = tmp_path / "out"
    main(["migrate", str(root), "--out", str(out), "--target", target, "--verify",
          "--constraints", str(constraints), "-q"])
    capsys.readouterr()
    assert "open('dags/data/funders.csv')" in (out / "project" / "airflow" / "dags" / "funders.py").read_text()
    verify = json.loads((out / "report.json").read_text(encoding="utf-8"))["verify"]
    assert verify["not_loading"] == [] and verify["summary"]["loaded"] == 1


# cx_Oracle has no release that installs on MWAA's Python: REQ022 replaces the requirement by
# python-oracledb, its renamed successor, and PY003 imports it under the old name.
CX_ORACLE_PROJECT = {
    "plugins/oracle_dsn.py": "import cx_Oracle\n\nDSN = cx_Oracle.makedsn('db', 1521, service_name='orcl')\n",
    "dags/oracle_export.py": (HEADER + "from airflow import DAG\nfrom oracle_dsn import DSN\n\n"
                              "DAG('oracle_export', start_date=datetime(2024, 1, 1), schedule=None, tags=[DSN[:8]])\n"),
    "requirements.txt": "cx-Oracle==8.2.1\n",
}


@pytest.mark.parametrize("target", ["3.3.1", "2.11.2"])
def test_a_cx_oracle_project_loads_after_migrate_on_python_oracledb(make_project, tmp_path, target):
    root = make_project(CX_ORACLE_PROJECT)
    out = tmp_path / "out"
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    code = main(["migrate", str(root), "--out", str(out), "--target", target, "--verify",
                 "--constraints", str(constraints), "-q"])
    assert code in (0, 1)
    verify = json.loads((out / "report.json").read_text(encoding="utf-8"))["verify"]
    assert verify["headline"] == f"1 of 1 DAG files load in Airflow {target} with this bundle's requirements"
    assert verify["requirements"]["installed"] is True and not verify["requirements"]["repairs"]
    shipped = (out / "bundle" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert [line.split()[0] for line in shipped if not line.startswith("--")] == ["oracledb"]
    assert "import oracledb as cx_Oracle\n" in (out / "project" / "plugins" / "oracle_dsn.py").read_text(encoding="utf-8")
    # The project as it was, packaged: no cx-Oracle installs (verify drops the line) and the DAG file fails.
    unfixed = tmp_path / "unfixed"
    main(["package", str(root), "--out", str(unfixed), "--target", target, "--constraints", str(constraints), "-q"])
    [failed] = verify_bundle(unfixed, get_version(target), constraints=constraints, repair_requirements=True).files
    assert "No module named 'cx_Oracle'" in (failed.error or "")
