"""Precision of the MWA rules on patterns real projects showed (issue 19): what a severity or a
related rule must say beyond what the VALID/INVALID examples assert."""

from __future__ import annotations

from migrator.compat import get_version

from migrator.analysis.shell import guarded_spans
from migrator.config import Settings
from migrator.engine import build_index, scan
from migrator.findings import Severity
from migrator.workspace import discover


def _guarded(text: str) -> list[str]:
    return [text[start:end].strip() for start, end in guarded_spans(text)]


def test_an_and_or_list_ending_in_true_is_guarded_and_nothing_else_is():
    assert _guarded("docker rm -f x 2>/dev/null || true") == ["docker rm -f x 2>/dev/null || true"]
    # A redirection's "&" ends no list; the next line is not guarded.
    assert _guarded("docker rm -f x 2>&1 || :\ndocker run x") == ["docker rm -f x 2>&1 || :"]
    assert _guarded("cd /tmp; docker ps | grep x || true") == ["docker ps | grep x || true"]
    assert _guarded("docker run x || echo failed") == []
    assert _guarded('echo "|| true"; docker run x') == []


def test_a_guarded_missing_program_is_info_and_an_unguarded_one_an_error(make_project):
    root = make_project({"dags/cleanup.py": (
        "from airflow import DAG\nfrom airflow.operators.bash import BashOperator\n\n"
        "with DAG(dag_id='cleanup') as dag:\n"
        "    BashOperator(task_id='rm', bash_command='docker rm -f old 2>/dev/null || true')\n"
        "    BashOperator(task_id='run', bash_command='docker run acme/job:1')\n")})
    findings = scan(root, Settings(select=("MWA004",)), get_version("3.3.1"), jobs=1, use_cache=False).findings
    assert {(f.location.line, f.severity) for f in findings} == {(5, Severity.INFO), (6, Severity.ERROR)}


def test_project_subclasses_of_docker_operator_are_indexed_across_modules(make_project):
    root = make_project({
        "dags/helpers/__init__.py": "",
        "dags/helpers/tracking.py": ("from airflow.providers.docker.operators.docker import DockerOperator\n\n"
                                     "class TrackingDockerOperator(DockerOperator):\n    pass\n"),
        "dags/helpers/retrying.py": ("from helpers.tracking import TrackingDockerOperator\n\n"
                                     "class RetryingOperator(TrackingDockerOperator):\n    pass\n"),
        "dags/d.py": "from airflow import DAG\nfrom helpers.retrying import RetryingOperator\nRetryingOperator(task_id='a', image='x')\n",
    })
    docker = "airflow.providers.docker.operators.docker.DockerOperator"
    assert build_index(discover(root, Settings())).platform_subclasses == (
        ("helpers.retrying.RetryingOperator", docker), ("helpers.tracking.TrackingDockerOperator", docker))
    findings = scan(root, Settings(select=("MWA001",)), get_version("3.3.1"), jobs=1, use_cache=False).findings
    # The class where it extends DockerOperator, and the task in the DAG file that uses a subclass of it.
    assert [(f.path, f.location.line) for f in findings] == [("dags/d.py", 3), ("dags/helpers/tracking.py", 3)]
    assert findings[0].message.startswith("RetryingOperator (a DockerOperator) needs a Docker daemon")
    assert findings[1].message.startswith("TrackingDockerOperator extends a Docker operator")
