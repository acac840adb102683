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
