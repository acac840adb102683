"""Workspace discovery finds DAG folders wherever real projects keep them."""

from __future__ import annotations

import os

import pytest

from migrator.config import Settings, load_settings
from migrator.errors import InputError
from migrator.workspace import discover

DAG = "from airflow import DAG\nwith DAG('d') as dag:\n    pass\n"


def test_conventional_and_nested_dag_folders(make_project):
    root = make_project({
        "dags/a.py": DAG,
        "src/dags/b.py": DAG,
        "acme_pipelines/dags/c.py": DAG,
        "acme_pipelines/dags/common/helpers.py": "X = 1\n",
        "tests/test_dags.py": "import pytest\n",
    })
    ws = discover(root, Settings())
    assert ws.dag_folders == ["acme_pipelines/dags", "dags", "src/dags"]
    assert "acme_pipelines/dags/common/helpers.py" in ws.python_files
    assert "tests/test_dags.py" not in ws.python_files


def test_airflow_cfg_dags_folder_maps_container_path(make_project):
    root = make_project({
        "pipelines/flow.py": DAG,
        "config/airflow.cfg": "[core]\ndags_folder = /opt/airflow/pipelines\nplugins_folder = /opt/airflow/ext\n",
        "ext/my_plugin.py": "X = 1\n",
    })
    ws = discover(root, Settings())
    assert ws.dag_folders == ["pipelines"]
    assert ws.plugins_folder == "ext"
    assert ws.airflow_cfgs == ["config/airflow.cfg"]


def test_compose_volume_mounts(make_project):
    root = make_project({
        "workflows/x.py": DAG,
        "addons/p.py": "X = 1\n",
        "docker-compose.yaml": (
            "x-common: &common\n  volumes:\n    - ./workflows:/opt/airflow/dags\n"
            "    - ./addons:/opt/airflow/plugins\nservices:\n  scheduler:\n    <<: *common\n"
        ),
    })
    ws = discover(root, Settings())
    assert ws.dag_folders == ["workflows"]
    assert ws.plugins_folder == "addons"


def test_dags_at_repo_root(make_project):
    root = make_project({"etl.py": DAG, "helpers.py": "X = 1\n"})
    ws = discover(root, Settings())
    assert ws.dag_folders == ["."]
    assert ws.python_files == ["etl.py", "helpers.py"]


def test_every_source_kind_is_found(make_project):
    root = make_project({
        "dags/a.py": DAG,
        "requirements.txt": "pandas==2.2.0\n",
        "requirements-dev.txt": "pytest\n",
        "airflow.cfg": "[core]\n",
        ".env": "AIRFLOW_CONN_X=postgres://h\n",
        "docker-compose.yml": "services: {}\n",
        "Dockerfile": "FROM apache/airflow:2.7.3\n",
        "scripts/entrypoint.sh": "airflow connections add x\n",
        "connections.json": "{}",
        "airflow_settings.yaml": "airflow: {}\n",
        "dags/.airflowignore": "common/\n",
        "startup.sh": "#!/bin/sh\n",
        "packages.txt": "libaio1\n",
    })
    sources = discover(root, Settings()).sources()
    assert sources["requirements"] == ["requirements-dev.txt", "requirements.txt"]
    assert sources["airflow_cfg"] == ["airflow.cfg"]
    assert sources["env_files"] == [".env"]
    assert sources["docker_compose"] == ["docker-compose.yml"]
    assert sources["dockerfiles"] == ["Dockerfile"]
    assert sources["entrypoint_scripts"] == ["scripts/entrypoint.sh"]
    assert sources["connection_exports"] == ["airflow_settings.yaml", "connections.json"]
    assert sources["airflowignore"] == ["dags/.airflowignore"]
    assert sources["startup_scripts"] == ["startup.sh"]
    assert sources["os_package_lists"] == ["packages.txt"]


def test_settings_name_dag_folders_explicitly(make_project):
    root = make_project({
        "orchestration/jobs/a.py": DAG,
        "dags/ignored.py": DAG,
        "pyproject.toml": '[tool.migrator]\ndags = ["orchestration/jobs"]\nexclude = ["*_old.py"]\n',
        "orchestration/jobs/b_old.py": DAG,
    })
    ws = discover(root, load_settings(root))
    assert ws.dag_folders == ["orchestration/jobs"]
    assert ws.python_files == ["orchestration/jobs/a.py"]


def test_missing_configured_folder_is_an_input_error(make_project):
    root = make_project({"pyproject.toml": '[tool.migrator]\ndags = ["nope"]\n'})
    with pytest.raises(InputError, match="nope"):
        discover(root, load_settings(root))


def test_bad_settings_file_names_the_file(make_project):
    root = make_project({".migrator.toml": "target = [unclosed\n"})
    with pytest.raises(InputError, match=r"\.migrator\.toml"):
        load_settings(root)


def test_symlinks_never_leave_the_project(make_project, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text(DAG)
    root = make_project({"dags/a.py": DAG})
    os.symlink(outside, root / "dags" / "leak.py")
    os.symlink(root / "dags", root / "dags" / "loop")
    ws = discover(root, Settings())
    assert ws.python_files == ["dags/a.py"]
    reasons = dict(ws.skipped)
    assert reasons["dags/leak.py"] == "symlink points outside the project"
    assert reasons["dags/loop"] == "symlinked folder not followed"


def test_module_names_follow_the_import_root(make_project):
    root = make_project({"dags/common/util.py": "", "dags/common/__init__.py": "", "dags/x.py": DAG,
                         "plugins/acme/ops.py": ""})
    ws = discover(root, Settings())
    assert ws.module_name("dags/common/util.py") == "common.util"
    assert ws.module_name("dags/common/__init__.py") == "common"
    assert ws.module_name("plugins/acme/ops.py") == "acme.ops"


def test_helper_modules_outside_dag_folders_are_scanned(make_project):
    from migrator.compat import get_version

    from migrator.engine import scan

    root = make_project({
        "dags/etl.py": DAG + "from include.cleaning import tidy\nfrom shared_lib import util\n",
        "include/__init__.py": "",
        "include/cleaning.py": "from include.deep import legacy\n\ndef tidy():\n    return 1\n",
        "include/deep/legacy.py": 'print "python 2"\n',
        "src/shared_lib/util.py": "X = 1\n",
        "scripts/unrelated.py": 'print "not imported by any DAG"\n',
    })
    result = scan(root, Settings(), get_version(None), jobs=1)
    assert result.workspace.python_files == [
        "dags/etl.py", "include/cleaning.py", "include/deep/legacy.py", "src/shared_lib/util.py"]
    assert [(f.rule, f.path) for f in result.findings if f.rule.startswith("MIG")] == [
        ("MIG002", "include/deep/legacy.py")]


# -- layouts seen in the field ---------------------------------------------------------------------

COMMANDS = {  # how each command is run on a project, and the exit codes that mean it ran
    "scan": lambda root, out: ["scan", str(root), "--no-cache", "-q", "-f", "json"],
    "fix": lambda root, out: ["fix", str(root), "--no-cache"],
    "package": lambda root, out: ["package", str(root), "--out", str(out)],
    "size": lambda root, out: ["size", str(root), "-f", "json"],
    "migrate": lambda root, out: ["migrate", str(root), "--out", str(out)],
}


def run_command(name: str, root, tmp_path, capsys) -> tuple[int, str]:
    from migrator.cli import main

    code = main(COMMANDS[name](root, tmp_path / f"{name}-out"))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err


def test_dags_in_several_top_level_folders_are_found_by_content(make_project):
    """1.9/1.10-era repos keep DAG files in `etl/`, `poc/`, ... with no `dags/` anywhere."""
    root = make_project({
        "etl/load_orders.py": DAG,
        "etl/common/sql.py": "QUERY = 'select 1'\n",
        "poc/nested/try_sensor.py": "from airflow.models import DAG\n\ndag = DAG('try')\n",
        "system/cleanup.py": "import airflow\nfrom airflow import DAG\n\nd = DAG('cleanup')\n",
        "scripts/backfill.py": "import sys\n",  # no DAG: not a DAG folder
        "README.md": "etl jobs\n",
    })
    ws = discover(root, Settings())
    assert ws.dag_folders == ["etl", "poc", "system"]
    assert {"etl/load_orders.py", "etl/common/sql.py", "poc/nested/try_sensor.py",
            "system/cleanup.py"} <= set(ws.python_files)
    assert "scripts/backfill.py" not in ws.python_files


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_sees_the_same_dag_files_outside_conventional_folders(command, make_project,
                                                                          tmp_path, capsys):
    root = make_project({
        "etl/load_orders.py": ("from datetime import datetime\nfrom airflow import DAG\n"
                               "from airflow.operators.bash_operator import BashOperator\n\n"
                               "with DAG('load_orders', start_date=datetime(2024, 1, 1), schedule=None):\n"
                               "    BashOperator(task_id='t', bash_command='echo')\n"),
    })
    code, err = run_command(command, root, tmp_path, capsys)
    assert code in (0, 1), err
    if command == "package":
        assert (tmp_path / "package-out" / "dags" / "load_orders.py").is_file()


def test_test_fixture_dag_folders_are_not_dag_folders(make_project):
    root = make_project({
        "dags/etl.py": DAG,
        "dags/__init__.py": "",
        "tests/dags/__init__.py": "",
        "tests/dags/fixture_dag.py": DAG,
        "test/integration/dags/other.py": DAG,
    })
    ws = discover(root, Settings())
    assert ws.dag_folders == ["dags"]
    assert not any(rel.startswith(("tests/", "test/")) for rel in ws.python_files)


def test_a_tests_dags_folder_beside_dags_does_not_clash_in_the_bundle(make_project, tmp_path, capsys):
    root = make_project({"dags/__init__.py": "", "dags/etl.py": DAG,
                         "tests/dags/__init__.py": "", "tests/dags/etl.py": DAG})
    code, err = run_command("package", root, tmp_path, capsys)
    assert code in (0, 1), err
    assert (tmp_path / "package-out" / "dags" / "etl.py").is_file()


def several_projects(make_project):
    compose = "services:\n  scheduler:\n    image: apache/airflow:2.7.3\n"
    return make_project({
        "requirements.txt": "pre-commit\n",  # the repository's own tooling
        "chapter01/docker-compose.yml": compose, "chapter01/dags/a.py": DAG,
        "chapter02/Dockerfile": "FROM apache/airflow:2.7.3\n", "chapter02/dags/b.py": DAG,
        "chapter03/kubernetes/airflow.cfg": "[core]\nparallelism = 8\n",
        "chapter03/kubernetes/dags/c.py": DAG,
        "chapter04/dags/d.py": DAG,  # no deployment file of its own
    })


def test_independent_projects_in_one_repository_are_named(make_project):
    root = several_projects(make_project)
    with pytest.raises(InputError) as error:
        discover(root, Settings())
    message = str(error.value)
    assert "holds 4 independent Airflow projects" in message
    assert "chapter01, chapter02, chapter03/kubernetes, chapter04" in message
    assert f"migrator scan {root / 'chapter01'}" in message
    # Each project on its own is an ordinary project.
    assert discover(root / "chapter03" / "kubernetes", Settings()).dag_folders == ["dags"]
    # Named DAG folders make them one project, on purpose.
    ws = discover(root, Settings(dags=("chapter01/dags", "chapter02/dags")))
    assert ws.dag_folders == ["chapter01/dags", "chapter02/dags"]


def test_one_deployment_with_several_dag_folders_is_one_project(make_project):
    root = make_project({"docker-compose.yml": "services: {}\n", "dags/a.py": DAG,
                         "teams/finance/dags/b.py": DAG, "teams/finance/Dockerfile": "FROM python\n"})
    assert discover(root, Settings()).dag_folders == ["dags", "teams/finance/dags"]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_several_projects_the_same_way(command, make_project, tmp_path, capsys):
    root = several_projects(make_project)
    code, err = run_command(command, root, tmp_path, capsys)
    assert code == 2 and "independent Airflow projects" in err and err.count("\n") == 1


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_python_files_importing_airflow_with_none_analysed_is_an_error(command, make_project, tmp_path,
                                                                     capsys):
    """Never a silent, passing scan of nothing: hooks and helpers that import Airflow but build
    no DAG, in folders discovery cannot tell are DAG folders."""
    root = make_project({"lib/hooks/warehouse.py": "from airflow.hooks.base import BaseHook\n",
                         "lib/util.py": "import os\n", "tests/test_x.py": "import airflow\n"})
    code, err = run_command(command, root, tmp_path, capsys)
    assert code == 2, err
    assert "1 Python file(s) import Airflow (lib/hooks/warehouse.py)" in err


# -- paths in the settings never leave the project --------------------------------------------------


@pytest.mark.parametrize(("key", "value"), [
    ("dags", "/"), ("dags", "/etc"), ("dags", "../elsewhere"), ("dags", "dags/../../x"),
    ("dags", "C:/dags"), ("dags", ""), ("plugins", "/usr/lib"), ("plugins", "../plugins"),
    ("constraints", "/etc/passwd"), ("constraints", "../constraints.txt"),
])
def test_settings_paths_outside_the_project_are_refused(key, value, make_project):
    root = make_project({".migrator.toml": f"{key} = {value!r}\n", "dags/a.py": DAG})
    with pytest.raises(InputError, match=f"{key} = .* must be a path inside the project"):
        load_settings(root)


@pytest.mark.parametrize("key", ["dags", "plugins"])
def test_a_configured_folder_symlinked_outside_the_project_is_refused(key, make_project, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.py").write_text(DAG)
    root = make_project({".migrator.toml": f"{key} = 'linked'\n", "dags/a.py": DAG})
    (root / "linked").symlink_to(outside, target_is_directory=True)
    with pytest.raises(InputError, match="leads outside the project"):
        discover(root, load_settings(root))


def test_settings_paths_inside_the_project_are_kept(make_project):
    root = make_project({".migrator.toml": "dags = ['./orchestration/dags', '.']\nplugins = 'ext'\n"
                                           "constraints = 'constraints-3.12.txt'\n"})
    settings = load_settings(root)
    assert settings.dags == ("orchestration/dags", ".")
    assert (settings.plugins, settings.constraints) == ("ext", "constraints-3.12.txt")


def test_airflow_code_in_a_dag_folder_named_like_a_test_is_code(make_project):
    # MWAA's DAG processor parses every file of the DAG folder that names Airflow and DAGs,
    # whatever its name: a DAG called test_*.py, the DAGs of a "test" environment. A file with
    # test code (pytest, unittest, test functions) stays a test.
    root = make_project({
        "environments/production/load/dag.py": DAG,
        "environments/test/load/dag.py": DAG,
        "environments/test/load/test_report_dag.py": "from airflow.models import BaseOperator\nfrom acme.dags import AcmeDag\n",
        "environments/test/load/test_checks.py": "import pytest\nfrom airflow.models import DagBag\n\n\ndef test_x():\n    pass\n",
        "environments/test/load/test_plain.py": "def test_y():\n    from airflow import DAG\n",
    })
    ws = discover(root, Settings(dags=("environments",)))
    assert {"environments/test/load/dag.py", "environments/test/load/test_report_dag.py"} <= set(ws.python_files)
    assert not {"environments/test/load/test_checks.py", "environments/test/load/test_plain.py"} & set(ws.python_files)


@pytest.mark.parametrize(("roots", "rel", "name"), [
    (("dags", "dags/plugins"), "dags/plugins/acme/ops.py", "acme.ops"),  # the deepest root above the file
    (("dags", "dags/plugins"), "dags/etl.py", "etl"),
    ((".", "dags"), "dags/etl.py", "etl"),  # the project root only when no other root is above
    ((".", "dags"), "tools/run.py", "tools.run"),
    (("dags",), "src/pkg/mod.py", "pkg.mod"),  # outside every root, a src/ layout drops "src"
    (("dags",), "other/pkg/__init__.py", "other.pkg"),
    (("dag",), "dags/etl.py", "dags.etl"),  # a root is a whole folder name, not a prefix
])
def test_a_module_is_named_from_the_nearest_import_root_above_it(roots, rel, name):
    from migrator.workspace import _module_name

    assert _module_name(frozenset(roots), rel) == name
