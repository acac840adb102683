"""The worker's environment beyond its folders (``data/worker_environment.json``): every block
carries its source and date, and the values rules compare with keep the shapes they rely on."""

from __future__ import annotations

import json
import re
from pathlib import Path

from migrator import compat

DATA = Path(compat.__file__).parent / "data"
DATE = re.compile(r"\d{4}-\d\d-\d\d")


def test_every_block_has_source_and_date():
    document = json.loads((DATA / "worker_environment.json").read_text(encoding="utf-8"))
    blocks = {name: block for name, block in document.items() if isinstance(block, dict)}
    assert blocks and DATE.fullmatch(document["date"])
    for name, block in blocks.items():
        assert block["source"] and DATE.fullmatch(block["date"]), name
    share = json.loads((DATA / "environment_classes.json").read_text(encoding="utf-8"))["dag_capacity_share"]
    assert share["source"] and DATE.fullmatch(share["date"])


def test_the_worker_has_its_folders_and_the_system_paths_but_nothing_else_under_airflow_home():
    paths = compat.worker_paths()
    prefixes = compat.worker_path_prefixes()
    assert set(paths.from_mwaa) | {paths.scratch} <= set(prefixes)
    system = compat.worker_environment().system_paths
    assert all(path.startswith("/") and not path.startswith(paths.airflow_home) for path in system)
    assert compat.worker_environment().kube_config_path == f"{paths.dags}/kube_config.yaml"


def test_the_pool_and_queue_every_environment_has_and_how_to_create_another_pool():
    environment = compat.worker_environment()
    assert environment.default_pools == {"default_pool"} and environment.default_queues == {"default"}
    command = compat.create_pool_command('etl "nightly"', None)
    assert command.startswith("aws mwaa invoke-rest-api ") and "--path /pools" in command
    assert json.loads(command.split("--body '", 1)[1].rstrip("'").replace("<slots>", "0")) == \
        {"name": 'etl "nightly"', "slots": 0}
    assert '"slots": 8}' in compat.create_pool_command("etl", 8)


def test_container_decorators_name_platform_limits_compat_knows():
    limits = {limit.id for limit in compat.platform_limits()}
    decorators = compat.worker_environment().container_decorators
    assert decorators and set(decorators.values()) <= limits
    assert all(name.startswith("@task.") for name in decorators)


def test_the_dag_capacity_share_is_a_share():
    assert 0 < compat.dag_capacity_share() < 1
