"""Compose files in the v1 format (services at the top level) are read like current ones."""

from __future__ import annotations

import yaml
from conftest import write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrator.analysis.envsources import analyse_env
from migrator.config import Settings
from migrator.workspace import discover

NAMES = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True).filter(lambda n: n not in ("version", "services"))
VARIABLES = st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True),
                            st.from_regex(r"[a-z0-9./:@-]{1,16}", fullmatch=True), max_size=3)


@st.composite
def services(draw):
    """{name: service} with what the analysis reads: environment (map or list), volumes, command."""
    found = {}
    for name in draw(st.lists(NAMES, min_size=1, max_size=3, unique=True)):
        service: dict = {"image": "apache/airflow:2.7.3"}
        environment = draw(VARIABLES)
        if environment:
            service["environment"] = (environment if draw(st.booleans())
                                      else [f"{k}={v}" for k, v in environment.items()])
        if draw(st.booleans()):
            service["volumes"] = ["./flows:/usr/local/airflow/dags"]
        if draw(st.booleans()):
            service["command"] = "airflow variables set region eu-west-1"
        found[name] = service
    return found


def analysed(root):
    workspace = discover(root, Settings())
    env = analyse_env(workspace)
    return (workspace.dag_folders,
            sorted((v.name, v.value, v.service) for v in env.variables),
            sorted(c.argv for c in env.commands))


@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(services())
def test_v1_and_current_formats_give_the_same_facts(tmp_path_factory, found):
    current, v1 = (tmp_path_factory.mktemp("compose") for _ in range(2))
    dag = {"flows/etl.py": "from airflow import DAG\n"}
    write_files(current, {**dag, "docker-compose.yml": yaml.safe_dump({"version": "3", "services": found})})
    write_files(v1, {**dag, "docker-compose.yml": yaml.safe_dump(found)})
    assert analysed(v1) == analysed(current)
    # Mounted or not, flows/ is the DAG folder (unmounted, it is found by its content).
    assert analysed(v1)[0] == ["flows"]


def test_only_top_level_service_definitions_are_read_as_v1_services(make_project):
    root = make_project({"docker-compose.yml": (
        "x-common:\n  environment:\n    A: '1'\n"
        "networks:\n  default:\n    driver: bridge\n"
        "worker:\n  image: apache/airflow:1.10.15\n  environment:\n    - AIRFLOW__CORE__PARALLELISM=8\n")})
    assert analysed(root)[1] == [("AIRFLOW__CORE__PARALLELISM", "8", "worker")]
    # A "version:" key says the file is not v1: a top-level service-like entry is then not a service.
    versioned = make_project({"docker-compose.yml": "version: '2'\nweb:\n  image: x\n  environment:\n    A: '1'\n"})
    assert analysed(versioned)[1] == []
