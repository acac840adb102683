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


def scan_findings(root, capsys, select: str) -> list[dict]:
    capsys.readouterr()
    assert main(["scan", str(root), "--no-cache", "-f", "json", "--select", select]) in (0, 1)
    return json.loads(capsys.readouterr().out)["findings"]


def test_a_gitignored_module_of_a_carried_package_is_reported_missing_with_the_gitignore_line(
        make_project, capsys):
    """Astro: include/ is carried into plugins.zip, but the credentials module its code imports
    was never committed (.gitignore lists it): the import fails on MWAA whatever is carried."""
    root = make_project({
        ".gitignore": "__pycache__/\napi_credentials.py\n",
        "include/src/api/fetch.py": "from include.src.api.api_credentials import API_KEY\n",
        "dags/games.py": f"{DAG_HEAD}from include.src.api.fetch import API_KEY\n{DAG_TAIL}",
    })
    [finding] = scan_findings(root, capsys, "MWA016")
    assert finding["path"] == "include/src/api/fetch.py" and finding["line"] == 1
    assert "include.src.api.api_credentials" in finding["message"]
    assert ".gitignore: api_credentials.py keeps it out of version control" in finding["message"]
    assert "Secrets Manager" in finding["message"]


def test_a_module_another_checkout_on_pythonpath_provided_is_reported_missing(make_project, capsys):
    """The repository has a package's top (its queue helpers) while the Dockerfile puts another
    repository holding the rest of that package on PYTHONPATH."""
    root = make_project({
        "Dockerfile": "FROM apache/airflow:2.10.4\nENV PYTHONPATH=/opt/github/data-management\n",
        "acme_flow/__init__.py": "", "acme_flow/queue.py": "QUEUE = 'hpc'\n",
        **{f"dags/dag{n}.py": f"{DAG_HEAD}from acme_flow.utils.tasks import run\n{DAG_TAIL}" for n in (1, 2)},
    })
    [finding] = scan_findings(root, capsys, "MWA016")
    assert finding["path"] == "dags/dag1.py"
    assert "imports acme_flow.utils (as do 1 other files), but acme_flow/ has no utils" in finding["message"]
    assert "PYTHONPATH in Dockerfile line 2 (/opt/github/data-management)" in finding["message"]
    # The bundle carries acme_flow/, but does not claim that makes acme_flow.utils resolve.
    [carried] = scan_findings(root, capsys, "MWA015")
    assert "(except acme_flow.utils, which the project does not hold: MWA016)" in carried["message"]


def test_modules_that_resolve_on_mwaa_are_never_reported_missing(make_project, capsys):
    root = make_project({
        "dags/etl.py": (f"{DAG_HEAD}from common import TABLE\nfrom common.sql import QUERY\n"
                        "from shared.io import read\nfrom acme.jobs.run import go\n"
                        "try:\n    from common.local_settings import X\nexcept ImportError:\n    X = None\n"
                        f"from ext.fast import f\n{DAG_TAIL}"),
        # a name common/__init__.py defines, and its own relative import
        "dags/common/__init__.py": "from .sql import QUERY\nTABLE = 't'\n",
        "dags/common/sql.py": "QUERY = 1\n",
        # a namespace package (no __init__.py) split between the DAG and plugins folders
        "dags/shared/model.py": "M = 1\n", "plugins/shared/io.py": "def read():\n    pass\n",
        # a src/ package the bundle carries
        "src/acme/__init__.py": "", "src/acme/jobs/__init__.py": "", "src/acme/jobs/run.py": "go = 1\n",
        # a compiled extension module
        "dags/ext/__init__.py": "", "dags/ext/fast.cpython-312-x86_64-linux-gnu.so": b"\x7fELF",
        # folders named like installed packages: the installed package comes first on the path
        "dags/yaml/feeds.yaml": "a: 1\n", "dags/json/__init__.py": "",
        "dags/pandas/__init__.py": "", "requirements.txt": "pandas==2.2.3\n",
        "dags/report.py": f"{DAG_HEAD}import yaml.constructor\nfrom json.decoder import JSONDecoder\nimport pandas.api.types\n{DAG_TAIL}",
    })
    assert scan_findings(root, capsys, "MWA016") == []


def test_a_gitignore_git_cannot_read_or_that_takes_the_file_back_is_no_crash_and_no_claim(make_project, capsys):
    root = make_project({
        ".gitignore": b"[\n\xff\xfe\n!\n**/[z-a]\napi_credentials.py\n!api_credentials.py\n",
        "include/api/fetch.py": "from include.api.api_credentials import KEY\n",
        "dags/games.py": f"{DAG_HEAD}from include.api.fetch import KEY\n{DAG_TAIL}",
    })
    findings = scan_findings(root, capsys, "MWA016,MIG")
    assert [f["rule"] for f in findings] == ["MWA016"]
    assert ".gitignore" not in findings[0]["message"]


def test_a_module_importing_its_own_name_means_the_distribution_and_is_not_carried(make_project, tmp_path,
                                                                                   capsys):
    # pipeline/ is an ancestor of the DAG folder, so `notify` could resolve to pipeline/notify.py
    # there; but that file imports the distribution of the same name, not itself.
    root = make_project({
        "pipeline/__init__.py": "",
        "pipeline/notify.py": "from notify import notify\n\nALERT = notify\n",
        "pipeline/dags/etl.py": f"{DAG_HEAD}from pipeline.notify import ALERT\n{DAG_TAIL}",
        "pyproject.toml": '[project]\nname = "pipeline"\ndependencies = ["notify>=1"]\n',
    })
    archive, _ = package(root, tmp_path, capsys)
    assert archive is not None and "pipeline/notify.py" in names(archive)
    assert "notify.py" not in names(archive)
