"""One finding per root cause (``migrator.root_causes``): each pattern on a small project that
states it, the fingerprints and fixes it must keep, and the merge's own rules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.engine import ScanResult, scan
from migrator.findings import Finding, Location, Related, Severity
from migrator.fix import plan_fixes
from migrator.root_causes import RootCause, merge_root_causes

TARGET = get_version("3.3.1")


def scanned(root: Path, **overrides) -> ScanResult:
    settings = load_settings(root).with_overrides(**overrides)
    return scan(root, settings, TARGET, jobs=1, use_cache=False)


def only(result: ScanResult, *rules: str) -> list[Finding]:
    return [f for f in result.findings if f.rule in rules]


REMOVED_NAME = {
    "dags/old.py": (
        "from airflow import DAG\n"
        "from airflow.models import BaseOperator\n"
        "from airflow.utils.dates import days_ago\n"
        "from airflow.utils.decorators import apply_defaults\n"
        "\n"
        "\n"
        "class Copy(BaseOperator):\n"
        "    @apply_defaults\n"
        "    def __init__(self, **kwargs):\n"
        "        super().__init__(**kwargs)\n"
        "\n"
        "\n"
        "with DAG('copy', start_date=days_ago(1), schedule=None):\n"
        "    Copy(task_id='a', start_date=days_ago(2))\n"
    ),
}


def test_uses_of_a_removed_name_are_related_locations_of_its_import(make_project):
    result = scanned(make_project(REMOVED_NAME))
    assert not only(result, "API006", "API008")
    days_ago, apply_defaults = only(result, "API002")
    assert days_ago.location.line == 3 and [r.location.line for r in days_ago.related] == [13, 14]
    assert apply_defaults.location.line == 4 and [r.location.line for r in apply_defaults.related] == [8]
    assert all(r.path == "dags/old.py" and r.note for r in days_ago.related + apply_defaults.related)
    assert {f.rule for f in result.absorbed} == {"API006", "API008"}


def test_an_inline_days_ago_call_is_one_finding(make_project):
    result = scanned(make_project({"dags/inline.py": (
        "import airflow\n"
        "from airflow import DAG\n"
        "\n"
        "with DAG('inline', start_date=airflow.utils.dates.days_ago(1), schedule=None):\n"
        "    pass\n")}))
    (finding,) = only(result, "API002", "API006")
    assert finding.rule == "API002" and finding.location.line == 4
    assert [r.location.line for r in finding.related] == [4]


def test_fixing_the_uses_still_happens_and_fixes_the_import(make_project):
    root = make_project(REMOVED_NAME)
    plan = plan_fixes(root, load_settings(root), TARGET, jobs=1, use_cache=False)
    assert plan.fixed["API006"] == 2 and plan.fixed["API008"] == 1
    old, new = plan.files["dags/old.py"]
    assert b"days_ago(" in old and b"days_ago(" not in new and b"apply_defaults" not in new
    assert not [f for f in plan.remaining if f.rule in ("API006", "API008")]


def test_the_primary_keeps_the_fingerprint_it_has_alone(make_project):
    root = make_project(REMOVED_NAME)
    merged = {f.location.line: f.fingerprint for f in only(scanned(root), "API002")}
    alone = {f.location.line: f.fingerprint for f in scanned(root, select=("API002",)).findings}
    assert merged == alone


COMPOSE_CONNECTION = {
    "dags/a.py": "x = 1\n",
    "docker-compose.yml": (
        "services:\n"
        "  airflow:\n"
        "    image: apache/airflow:2.10.5\n"
        "    environment:\n"
        "      AIRFLOW_CONN_WAREHOUSE: postgres://admin:s3cretpw@localhost:5432/dw\n"
    ),
}


def test_one_connection_line_is_one_finding_led_by_the_worst(make_project):
    result = scanned(make_project(COMPOSE_CONNECTION))
    (finding,) = [f for f in result.findings if f.rule.startswith("CON")]
    assert finding.rule == "CON007" and finding.severity is Severity.ERROR
    assert {r.location.line for r in finding.related} == {5}
    assert {f.rule for f in result.absorbed} >= {"CON003", "CON006"}
    assert {r.note for r in finding.related} == {f"{f.rule}: {f.message}" for f in result.absorbed}


def test_a_credential_in_an_option_moot_on_mwaa_is_one_finding(make_project):
    """A GitHub Enterprise OAuth secret: MWAA runs no such login (CFG005), but the credential in
    clear text (CFG006) is what to act on; the first becomes a related location of the second."""
    result = scanned(make_project({
        "dags/a.py": "x = 1\n",
        "airflow.cfg": "[github_enterprise]\nhost = github.example.com\nclient_secret = 8cbd483d2cb4e735\n",
    }))
    (finding,) = [f for f in result.findings if f.location.line == 3]
    assert finding.rule == "CFG006" and finding.severity is Severity.ERROR
    assert [(r.location.line, r.note.split(":")[0]) for r in finding.related] == [(3, "CFG005")]
    assert "8cbd483d2cb4e735" not in " ".join([finding.message, *(r.note for r in finding.related)])


def test_a_credential_in_an_option_mwaa_sets_itself_is_one_finding_saying_drop_and_rotate(make_project):
    """A webserver secret_key MWAA sets itself: the value is never carried over (CFG001), so the
    credential (CFG006) needs no Secrets Manager entry; CFG001 carries the finding, says to
    rotate the leaked value, and takes CFG006's severity. A throwaway compose login in such an
    option is no credential to rotate: CFG001 alone, no word of it."""
    result = scanned(make_project({
        "dags/a.py": "x = 1\n",
        "airflow.cfg": "[webserver]\nsecret_key = 8cbd483d2cb4e735a1\n",
        ".env": "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgresql://airflow:airflow@postgres/airflow\n",
    }))
    (finding,) = [f for f in result.findings if f.path == "airflow.cfg"]
    assert finding.rule == "CFG001" and finding.severity is Severity.ERROR
    assert "no Secrets Manager entry" in finding.message and "rotate it" in finding.message
    assert [(r.location.line, r.note.split(":")[0]) for r in finding.related] == [(2, "CFG006")]
    assert [f.rule for f in result.absorbed] == ["CFG006"]
    assert "8cbd483d2cb4e735a1" not in " ".join([finding.message, *(r.note for r in finding.related)])
    (throwaway,) = [f for f in result.findings if f.path == ".env"]
    assert throwaway.rule == "CFG001" and "rotate" not in throwaway.message and not throwaway.related


def test_one_pip_install_line_is_one_finding(make_project):
    result = scanned(make_project({
        "dags/a.py": "x = 1\n",
        "Dockerfile": ("FROM apache/airflow:2.10.5\n"
                       "RUN pip install soda-core-scientific==3.0.45 dbt-bigquery==1.5.3 great-expectations==0.18.8\n"
                       "RUN pip install dbt-postgres==1.5.3\n"),
    }))
    by_line = {f.location.line: f for f in only(result, "REQ016")}
    assert sorted(by_line) == [2, 3]
    assert len(by_line[2].related) == 2 and not by_line[3].related
    # Each package still gets its requirements.txt line from `fix`.
    assert len([f for f in result.all_findings if f.rule == "REQ016"]) == 4


def test_what_a_remote_include_may_hold_is_one_finding_at_its_line(make_project):
    # The scan cannot read the remote file: whether it names the constraints or lists the
    # providers the code imports is one question, asked once, each provider a related location.
    result = scanned(make_project({
        "dags/a.py": ("from airflow.providers.slack.operators.slack import SlackAPIPostOperator\n"
                      "from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook\n"),
        "requirements.txt": "--requirement \"https://example.org/platform/requirements.txt\"\nblack==24.10.0\n",
    }))
    (finding,) = [f for f in result.findings if f.rule in ("REQ003", "REQ007")]
    assert finding.rule == "REQ003" and finding.location.line == 1 and "cannot read it" in finding.message
    assert sorted(r.note.partition(" is imported")[0] for r in finding.related) == [
        "REQ007: apache-airflow-providers-slack", "REQ007: apache-airflow-providers-snowflake"]
    assert all("unless the remote file https://example.org/platform/requirements.txt lists it" in r.note
               for r in finding.related)


LOCK_WITH_TRANSITIVE_PINS = (
    "pandas==3.0.5\n"
    "    # via -r requirements.in\n"
    "urllib3==1.26.5\n"
    "    # via requests\n"
    "requests==2.25.1\n"
    "    # via -r requirements.in\n"
)


def test_a_transitive_pin_that_conflicts_is_one_finding_saying_drop_it(make_project):
    """REQ020's line to drop is the cause; its pin's conflict with the constraints (REQ004) is
    related there, and the finding is as severe as the conflict. A direct pin that conflicts
    keeps its own REQ004."""
    result = scanned(make_project({"dags/a.py": "import pandas\n", "requirements.txt": LOCK_WITH_TRANSITIVE_PINS}))
    (transitive,) = only(result, "REQ020")
    assert transitive.location.line == 3 and transitive.severity is Severity.ERROR
    assert [r.note.partition(":")[0] for r in transitive.related] == ["REQ004"]
    (direct,) = only(result, "REQ004")
    assert direct.location.line == 5
    assert [f.rule for f in result.absorbed] == ["REQ004"]


def test_a_transitive_pin_of_a_preinstalled_package_is_one_finding(make_project):
    result = scanned(make_project({"dags/a.py": "x = 1\n", "requirements.txt": (
        "apache-airflow-providers-amazon\n    # via -r requirements.in\nboto3\n    # via apache-airflow-providers-amazon\n")}))
    (transitive,) = only(result, "REQ020")
    assert transitive.location.line == 3
    assert [r.note.partition(":")[0] for r in transitive.related] == ["REQ008"]
    assert [f.location.line for f in only(result, "REQ008")] == [1]


def test_a_renamed_class_is_one_finding_on_its_import_with_its_uses_related(make_project):
    """The file fails at the import (API001); constructing the class (API007) is the same cause
    met again. Both fixes still apply."""
    root = make_project({"dags/empty.py": (
        "from airflow import DAG\n"
        "from airflow.operators.dummy_operator import DummyOperator\n"
        "\n"
        "with DAG('empty', schedule=None):\n"
        "    DummyOperator(task_id='a') >> DummyOperator(task_id='b')\n")})
    result = scanned(root)
    assert not only(result, "API007")
    (moved,) = only(result, "API001")
    assert moved.location.line == 2
    assert [(r.location.line, r.note) for r in moved.related] == [(5, "the same renamed class, constructed here")] * 2
    plan = plan_fixes(root, load_settings(root), TARGET, jobs=1, use_cache=False)
    _, new = plan.files["dags/empty.py"]
    assert b"DummyOperator" not in new and new.count(b"EmptyOperator(") == 2


def test_a_variant_of_the_airflow_dockerfile_is_a_related_location_and_a_ci_image_none(make_project):
    image = "FROM ubuntu:22.04\nUSER airflow\nRUN apt-get install -y libaio1 unixodbc\n"
    result = scanned(make_project({"dags/a.py": "x = 1\n", "Dockerfile": image, "Dockerfile.prod": image,
                                   "Dockerfile.travis": image + "RUN apt-get install -y unixodbc-dev\n",
                                   "tasks/etl/Dockerfile": "FROM python:3.12\nRUN apt-get install -y nano\n"}))
    (finding,) = only(result, "REQ017")
    assert finding.path == "Dockerfile" and finding.location.line == 3
    # the CI test image (Dockerfile.travis) installs nothing MWAA needs
    assert [(r.path, r.location.line) for r in finding.related] == [("Dockerfile.prod", 3)]


def test_a_pin_in_several_shipped_requirement_files_is_reported_once_in_the_entry_file(make_project):
    pins = "apache-airflow==2.10.5\nSQLAlchemy==1.4.52\n"
    result = scanned(make_project({"dags/a.py": "x = 1\n", "requirements.txt": "-r base.txt\n" + pins,
                                   "base.txt": pins}))
    for rule in ("REQ001", "REQ002"):
        (finding,) = only(result, rule)
        assert finding.path == "requirements.txt"
        assert [r.path for r in finding.related] == ["base.txt"]


def test_a_pin_in_a_requirements_file_the_bundle_does_not_ship_is_not_judged(make_project):
    """Another service's requirements (or an old lock) beside the shipped file: MWAA never
    installs them, so their pins are neither findings nor related locations."""
    pins = "apache-airflow==2.10.5\nSQLAlchemy==1.4.52\n"
    result = scanned(make_project({"dags/a.py": "x = 1\n", "requirements.txt": pins,
                                   "services/api/requirements.txt": pins}))
    for rule in ("REQ001", "REQ002"):
        (finding,) = only(result, rule)
        assert finding.path == "requirements.txt" and finding.related == ()


def test_a_missing_provider_is_one_finding_on_the_import_with_the_requirement_related(make_project):
    """The import's API001 says which provider to add and is where a reader of the DAG looks
    (and where ruff reports it); REQ007's place in requirements.txt becomes related."""
    result = scanned(make_project({"dags/ssh.py": (
        "from airflow import DAG\n"
        "from airflow.contrib.operators.ssh_operator import SSHOperator\n"
        "\n"
        "with DAG('ssh', schedule=None):\n"
        "    SSHOperator(task_id='s', command='ls', ssh_conn_id='gateway')\n"),
        "requirements.txt": "pandas\n"}))
    (moved,) = only(result, "API001")
    assert "apache-airflow-providers-ssh" in moved.message and moved.location.line == 2
    assert [r.note.partition(":")[0] for r in moved.related] == ["REQ007"]
    assert not only(result, "REQ007")


def test_docker_is_reported_as_impossible_not_as_a_provider_to_add(make_project):
    result = scanned(make_project({"dags/docker.py": (
        "from airflow import DAG\n"
        "from airflow.operators.docker_operator import DockerOperator\n"
        "\n"
        "with DAG('docker', schedule=None):\n"
        "    DockerOperator(task_id='d', image='busybox')\n")}))
    assert not only(result, "API001", "REQ007")
    (docker,) = only(result, "MWA001")
    assert [(r.path, r.location.line) for r in docker.related] == [("dags/docker.py", 2)] * 2
    # The import is still rewritten and the provider added by `fix`: the file keeps loading
    # until the task is moved to ECS.
    assert sorted(f.rule for f in result.absorbed) == ["API001", "REQ007"]


DOCKER_MOUNT_DAG = (
    "from airflow import DAG\n"
    "from airflow.providers.docker.operators.docker import DockerOperator\n"
    "from docker.types import Mount\n"
    "\n"
    "with DAG('docker', schedule=None):\n"
    "    DockerOperator(task_id='d', image='busybox', mounts=[Mount(source='/data', target='/data')])\n")
DOCKER_IN_PYPROJECT = '[project]\nname = "acme-etl"\ndependencies = [\n    "docker>=7.1.0",\n]\n'


def test_the_docker_sdk_of_docker_tasks_is_carried_by_their_finding(make_project):
    # docker.types.Mount only describes the containers of tasks that cannot run on MWAA:
    # "add docker to requirements.txt" is no remedy of its own.
    result = scanned(make_project({"dags/containers.py": DOCKER_MOUNT_DAG, "pyproject.toml": DOCKER_IN_PYPROJECT}))
    assert not only(result, "REQ021")
    (docker,) = only(result, "MWA001")
    assert any("Docker SDK is not worth adding" in r.note for r in docker.related)
    assert [f.rule for f in result.absorbed if f.rule == "REQ021"] == ["REQ021"]  # its fix is kept


def test_the_docker_sdk_without_docker_tasks_is_still_reported(make_project):
    result = scanned(make_project({
        "dags/images.py": "from airflow import DAG\nimport docker\n\nclient = docker.DockerClient(base_url='tcp://build:2376')\n",
        "pyproject.toml": DOCKER_IN_PYPROJECT}))
    (listed,) = only(result, "REQ021")
    assert "add docker to requirements.txt" in listed.message


def test_counts_and_exit_code_follow_the_primary_findings(make_project, capsys):
    import json

    from migrator.cli import main

    root = make_project(COMPOSE_CONNECTION)
    assert main(["scan", str(root), "-f", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["summary"]["findings"] == len(document["findings"])
    (finding,) = [f for f in document["findings"] if f["rule"].startswith("CON")]
    assert document["summary"]["by_rule"].get("CON006") is None
    assert {r["line"] for r in finding["related"]} == {5}
    # Warnings alone do not fail the run: the absorbed errors would not either.
    assert main(["scan", str(root), "--select", "CON006"]) == 0


# -- the merge itself -----------------------------------------------------------------------------


def finding(rule: str, path: str, line: int, severity: Severity = Severity.WARNING) -> Finding:
    return Finding(rule, rule.lower(), severity, path, Location(line, 1, line, 2), f"{rule} at {path}:{line}",
                   fingerprint=f"{rule}{path}{line}")


def by_line(f: Finding, target) -> tuple:
    return f.path, f.location.line


SAME_LINE = RootCause("same-line", {"X1": by_line, "X2": by_line}, ("X1",), frozenset({"X2"}), "also")


def test_a_group_without_a_primary_finding_stays_as_it_is():
    findings = [finding("X2", "a", 1), finding("X2", "a", 1)]
    merged = merge_root_causes(findings, TARGET, causes=(SAME_LINE,))
    assert merged.findings == findings and merged.absorbed == []


def test_absorbed_findings_bring_their_related_locations_and_order_is_kept():
    earlier = finding("X2", "a", 2).absorbing([finding("X3", "b", 7)])
    findings = [finding("X1", "a", 1), finding("X1", "a", 2), earlier, finding("X9", "c", 1)]
    merged = merge_root_causes(findings, TARGET, causes=(SAME_LINE,))
    assert [f.rule for f in merged.findings] == ["X1", "X1", "X9"]
    head = merged.findings[1]
    assert head.related == (Related("a", Location(2, 1, 2, 2), "also"),
                            Related("b", Location(7, 1, 7, 2), "X3: X3 at b:7"))
    assert head.fingerprint == "X1a2" and merged.absorbed == [earlier]


def test_absorbing_twice_adds_no_duplicate_related_location():
    head, other = finding("X1", "a", 1), finding("X2", "a", 1)
    once = head.absorbing([other], "also")
    assert once.absorbing([other], "also").related == once.related


@pytest.mark.parametrize("rules", [("X1",), ("X2", "X2")])
def test_a_lone_finding_is_untouched(rules):
    findings = [finding(rule, "a", line) for line, rule in enumerate(rules, 1)]
    assert merge_root_causes(findings, TARGET, causes=(SAME_LINE,)).findings == findings


def test_imports_through_the_dag_folder_name_are_one_finding_per_file_and_all_are_fixed(make_project):
    """``from dags.common.sql import Q`` and ``from dags.common import io`` in one file: one cause
    (the DAG folder is no package on MWAA), one finding; the fix still rewrites every import."""
    root = make_project({
        "dags/common/__init__.py": "", "dags/common/sql.py": "Q = 'select 1'\n", "dags/common/io.py": "R = 1\n",
        "dags/etl.py": ("from airflow import DAG\n"
                        "from dags.common.sql import Q\n"
                        "from dags.common.io import R\n"
                        "with DAG('etl', schedule=None):\n    pass\n")})
    result = scanned(root)
    (finding,) = only(result, "MWA014")
    assert finding.location.line == 2
    assert [(r.location.line, r.note) for r in finding.related] == [(3, "another import through the DAG folder's name")]
    plan = plan_fixes(root, load_settings(root), TARGET, jobs=1, use_cache=False)
    _, new = plan.files["dags/etl.py"]
    assert b"from common.sql import Q" in new and b"from common.io import R" in new


def test_a_package_nothing_installs_is_one_finding_with_every_importer_related(make_project):
    root = make_project({
        "dags/sync.py": "from airflow import DAG\nfrom mongoengine import connect\n",
        "dags/check.py": "import json\n\nimport mongoengine\n",
        "requirements.txt": "requests==2.32.3\n",
    })
    (head,) = only(scanned(root), "REQ024")
    assert (head.path, head.location.line) == ("dags/check.py", 3)
    assert [(place.path, place.location.line) for place in head.related] == [("dags/sync.py", 2)]


def test_a_load_error_naming_the_missing_package_is_a_related_location_of_its_finding():
    scanned_finding = Finding("REQ024", "missing-package", Severity.ERROR, "dags/common/db.py", Location(3, 1, 3, 2),
                              "mongoengine is not installed", anchor="mongoengine\x1fmissing", fingerprint="r")
    load_error = Finding("MIG101", "dag-import-error", Severity.ERROR, "dags/sync.py", Location(1, 1, 1, 2),
                         "dags/sync.py fails to load on Airflow 3.3.1: ModuleNotFoundError: "
                         "No module named 'mongoengine.connection'", fingerprint="v")
    other_error = replace(load_error, message="ModuleNotFoundError: No module named 'pandas'", fingerprint="w")
    merged = merge_root_causes([scanned_finding, load_error, other_error], TARGET)
    assert [f.fingerprint for f in merged.findings] == ["r", "w"]
    assert merged.absorbed == [load_error]
