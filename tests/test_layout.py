"""Code beside the DAG folder on MWAA, where only dags/ and plugins/ are on sys.path.

`package` carries what the DAG and plugin code imports from outside those two folders into
plugins.zip at its root; imports through the DAG folder's own name are rewritten by `fix`.
"""

from __future__ import annotations

import json
import zipfile

import pytest

from migrator.cli import main

DAG_HEAD = "from datetime import datetime\nfrom airflow.sdk import DAG\n"
DAG_TAIL = "\nDAG('etl', start_date=datetime(2024, 1, 1), schedule=None)\n"


def package(root, tmp_path, capsys) -> tuple[zipfile.ZipFile | None, str]:
    out = tmp_path / "bundle"
    assert main(["package", str(root), "--out", str(out)]) in (0, 1)
    text = capsys.readouterr().out
    zip_path = out / "plugins.zip"
    return (zipfile.ZipFile(zip_path) if zip_path.exists() else None), text


def names(archive: zipfile.ZipFile) -> set[str]:
    return set(archive.namelist())


@pytest.mark.parametrize(("files", "dag_import", "carried", "ignored"), [
    # Astro CLI: include/ beside dags/
    ({"include/__init__.py": "", "include/helpers.py": "TABLE = 't'\n", "include/sql/q.sql": "select 1\n"},
     "from include.helpers import TABLE", {"include/__init__.py", "include/helpers.py", "include/sql/q.sql"},
     "/include/"),
    # a src/ layout: the package under src/ is imported without the prefix
    ({"src/acme/__init__.py": "", "src/acme/helpers.py": "TABLE = 't'\n"},
     "from acme.helpers import TABLE", {"acme/__init__.py", "acme/helpers.py"}, "/acme/"),
    # a top-level module, no package
    ({"acme.py": "TABLE = 't'\n"}, "from acme import TABLE", {"acme.py"}, "/acme.py"),
], ids=["astro-include", "src-layout", "module"])
def test_code_the_dags_import_from_outside_is_carried_into_plugins_zip(files, dag_import, carried, ignored,
                                                                        make_project, tmp_path, capsys):
    root = make_project({**files, "dags/etl.py": f"{DAG_HEAD}{dag_import}\n{DAG_TAIL}",
                         "tests/test_x.py": "import acme\n"})
    archive, text = package(root, tmp_path, capsys)
    assert archive is not None and carried <= names(archive)
    # The plugin manager must not import them as plugins.
    assert ignored in archive.read(".airflowignore").decode().splitlines()
    assert "(imported by the DAGs)" in text
    assert not any(name.startswith("tests/") for name in names(archive))


def test_carried_code_is_followed_to_what_it_imports_and_never_to_the_dag_folder(make_project, tmp_path,
                                                                                   capsys):
    root = make_project({
        # The DAG folder lives inside the package the DAGs import (a package with its DAGs in it).
        "pipeline/__init__.py": "", "pipeline/harvest.py": "from shared.io import read\n",
        "pipeline/dags/etl.py": f"{DAG_HEAD}from pipeline.harvest import read\n{DAG_TAIL}",
        "shared/__init__.py": "", "shared/io.py": "def read():\n    pass\n",
        "pipeline/tests/test_harvest.py": "import pipeline\n",
    })
    archive, _ = package(root, tmp_path, capsys)
    assert {"pipeline/__init__.py", "pipeline/harvest.py", "shared/io.py"} <= names(archive)
    assert not any(n.startswith(("pipeline/dags/", "pipeline/tests/")) for n in names(archive))


@pytest.mark.parametrize("files", [
    {"airflow/__init__.py": "", "airflow/local.py": "X = 1\n"},  # would shadow Airflow itself
    {"pandas/__init__.py": "", "requirements.txt": "pandas==2.2.3\n"},  # a requirement's name
    {"plugins/pandas_tools.py": "X = 1\n"},  # already on MWAA's path, from the plugins folder
])
def test_what_would_shadow_a_package_or_is_on_the_path_already_is_not_carried(files, make_project,
                                                                                tmp_path, capsys):
    imported = {"airflow/__init__.py": "airflow.local", "pandas/__init__.py": "pandas",
                "plugins/pandas_tools.py": "pandas_tools"}
    name = next(imported[f] for f in files if f in imported)
    root = make_project({**files, "dags/etl.py": f"{DAG_HEAD}import {name}\n{DAG_TAIL}"})
    archive, text = package(root, tmp_path, capsys)
    assert "(imported by the DAGs)" not in text
    if archive is not None:
        assert not any(n.startswith(("airflow/", "pandas/")) for n in names(archive))


def test_imports_through_the_dag_folders_name_are_rewritten_to_its_root(make_project, capsys):
    root = make_project({
        "src/dags/__init__.py": "", "src/dags/common/__init__.py": "",
        "src/dags/common/sql.py": "QUERY = 'select 1'\n",
        "src/dags/etl.py": (f"{DAG_HEAD}from dags.common.sql import QUERY\nimport src.dags.common.sql as m\n"
                            f"from dags.common import sql\n{DAG_TAIL}"),
    })
    assert main(["fix", str(root), "--apply", "--no-cache", "--select", "MWA014"]) == 0
    text = (root / "src/dags/etl.py").read_text()
    assert "from common.sql import QUERY" in text and "import common.sql as m" in text
    assert "from common import sql" in text and "dags." not in text
    capsys.readouterr()
    assert main(["scan", str(root), "--no-cache", "-q", "--select", "MWA014"]) == 0


def test_a_test_named_module_the_code_imports_ships_and_real_tests_do_not(make_project, tmp_path, capsys):
    """``test_*.py`` is usually a test, and stays out; one the DAGs import (a data module that
    happens to be called test_datasources.py) is code, in the DAG folder or a carried package."""
    root = make_project({
        "dags/etl.py": (f"{DAG_HEAD}from audit.test_checks import CHECKS\n"
                        f"from datasources.test_sources import SOURCES\n{DAG_TAIL}"),
        # imported through the DAG folder's name (MWA014 rewrites the import; it ships either way)
        "dags/report.py": f"{DAG_HEAD}from dags.audit.test_fixtures import ROWS\n{DAG_TAIL}",
        "dags/audit/test_fixtures.py": "ROWS = []\n",
        "dags/audit/__init__.py": "", "dags/audit/test_checks.py": "CHECKS = []\n",
        "dags/audit/test_audit.py": "from audit.test_checks import CHECKS\n\ndef test_checks():\n    assert CHECKS == []\n",
        "src/datasources/__init__.py": "", "src/datasources/test_sources.py": "SOURCES = []\n",
        "src/datasources/test_datasources_unit.py": "def test_x():\n    pass\n",
    })
    archive, text = package(root, tmp_path, capsys)
    bundle = tmp_path / "bundle"
    assert (bundle / "dags" / "audit" / "test_checks.py").is_file()
    assert (bundle / "dags" / "audit" / "test_fixtures.py").is_file()
    assert not (bundle / "dags" / "audit" / "test_audit.py").exists()
    assert archive is not None and "datasources/test_sources.py" in names(archive)
    assert "datasources/test_datasources_unit.py" not in names(archive)
    assert "excluded-but-imported" not in text and "is not in the bundle" not in text


def test_imports_through_the_dag_folders_name_are_rewritten_in_a_dist_package_and_a_test_named_helper(
        make_project, capsys):
    """A team package named ``dist`` (not packaging output: it has an ``__init__.py``) and a
    helper named ``test_*.py`` that DAGs import are code the bundle ships and MWAA parses, so
    the scan reads them and fix rewrites their ``dags.`` imports too."""
    root = make_project({
        "src/dags/__init__.py": "",
        "src/dags/dist/__init__.py": "", "src/dags/dist/budget/__init__.py": "",
        "src/dags/dist/budget/alerts.py": "TABLE = 'budget'\n",
        "src/dags/dist/budget/budget_dag.py": f"{DAG_HEAD}from dags.dist.budget.alerts import TABLE\n{DAG_TAIL}",
        "src/dags/team/__init__.py": "", "src/dags/team/utils/__init__.py": "",
        "src/dags/team/utils/helpers.py": "NAME = 'x'\n",
        "src/dags/team/utils/test_verification.py": "from dags.team.utils import helpers\n",
        "src/dags/team/training.py": f"{DAG_HEAD}from dags.team.utils.test_verification import helpers\n{DAG_TAIL}",
        # real tests stay out of the scan
        "src/dags/team/utils/test_helpers.py": "from dags.team.utils import helpers\n",
    })
    assert main(["fix", str(root), "--apply", "--no-cache", "--select", "MWA014"]) == 0
    assert "from budget.alerts import TABLE" not in (root / "src/dags/dist/budget/budget_dag.py").read_text()
    assert "from dist.budget.alerts import TABLE" in (root / "src/dags/dist/budget/budget_dag.py").read_text()
    assert "from team.utils import helpers" in (root / "src/dags/team/utils/test_verification.py").read_text()
    assert "from team.utils.test_verification import" in (root / "src/dags/team/training.py").read_text()
    assert "from dags." in (root / "src/dags/team/utils/test_helpers.py").read_text()
    capsys.readouterr()
    assert main(["scan", str(root), "--no-cache", "-q", "--select", "MWA014"]) == 0


def test_packaging_output_named_build_or_dist_is_still_not_scanned(make_project, capsys):
    root = make_project({
        "dags/etl.py": f"{DAG_HEAD}{DAG_TAIL}",
        # setuptools' output: a copy of the code, not code of its own
        "build/lib/acme/__init__.py": "from airflow.operators.bash_operator import BashOperator\n",
        "dist/acme-1.0.tar.gz": b"",
        "dags/dist/acme-1.0-py3-none-any.whl": b"",
    })
    assert main(["scan", str(root), "--no-cache", "-f", "json"]) in (0, 1)
    paths = {f["path"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert not any(p.startswith(("build/", "dist/", "dags/dist/")) for p in paths)
