"""API022 tells the truth: with the Databricks provider the 3.3.1 constraints pin, a helper that
reads a named argument out of the operator's ``json`` payload while the DAG file is parsed fails
the file with a KeyError, which ``explain_failures`` points at the finding; after ``migrator fix
--unsafe`` the helper reads the operator's attribute of that name and the file loads. On 2.11.2
(provider 7.10.0) the payload read loads and API022 stays silent.

A synthetic project with the pattern a real repository had: a project subclass of
DatabricksCreateJobsOperator, built by a workflow helper in another module that reads
``self.job_op.json["job_clusters"]`` to collect the clusters' tags.
"""

from __future__ import annotations

import dataclasses

import pytest
from conftest import SHARED
from migrator.compat import get_version

from migrator.config import load_settings
from migrator.engine import scan
from migrator.fix import apply_plan, plan_fixes
from migrator.outcome import explain_failures
from migrator.verify import verify_project

pytestmark = pytest.mark.airflow

OPERATORS = '''\
from airflow.providers.databricks.operators.databricks import DatabricksCreateJobsOperator


class CompanyJobsOperator(DatabricksCreateJobsOperator):
    pass
'''

WORKFLOW = '''\
from company.operators import CompanyJobsOperator


class Workflow:
    def __init__(self, name):
        clusters = [{"job_cluster_key": "main", "new_cluster": {"custom_tags": {"team": "data"}}}]
        self.job_op = CompanyJobsOperator(task_id=name, name=name, job_clusters=clusters,
                                          json={"parameters": []})
        self.tags = [spec["new_cluster"]["custom_tags"] for spec in self.job_op.json["job_clusters"]]
'''

DAG_FILE = '''\
import pendulum
from airflow import DAG

from company.workflow import Workflow

with DAG("nightly", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None, catchup=False):
    workflow = Workflow("create")

assert workflow.tags == [{"team": "data"}], workflow.tags
'''



def _project(make_project, requirements: str = "apache-airflow-providers-databricks\n"):
    return make_project({"dags/company/__init__.py": "", "dags/company/operators.py": OPERATORS,
                         "dags/company/workflow.py": WORKFLOW,
                         "dags/nightly.py": DAG_FILE,
                         "requirements.txt": requirements})


def _verify(root, target: str):
    settings = load_settings(root)
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    return verify_project(root, settings, target, constraints=constraints)


def _only_api022(root):
    return dataclasses.replace(load_settings(root), select=("API022",))


def _api022(root, target: str):
    return scan(root, _only_api022(root), get_version(target), jobs=1, use_cache=False).findings


def test_a_payload_read_fails_on_3_3_1_where_it_is_flagged_and_loads_after_the_fix(make_project):
    root = _project(make_project)
    found = _api022(root, "3.3.1")
    assert [(f.path, f.location.line) for f in found] == [("dags/company/workflow.py", 9)]
    result = _verify(root, "3.3.1")
    nightly = next(r for r in result.files if r.path == "dags/nightly.py")
    assert nightly.error == "KeyError: 'job_clusters'", nightly.error
    failures = explain_failures(result, source_of=lambda p: p, findings=found,
                                project_modules=frozenset({"company", "nightly"}))
    assert [(f.bundle_path, f.cause, f.findings) for f in failures] == [
        ("dags/nightly.py", "provider-api", ("API022",))]

    apply_plan(root, plan_fixes(root, _only_api022(root), get_version("3.3.1"), unsafe=True, jobs=1,
                                use_cache=False))
    assert "for spec in self.job_op.job_clusters]" in (root / "dags" / "company" / "workflow.py").read_text()
    assert _api022(root, "3.3.1") == []
    loaded = next(r for r in _verify(root, "3.3.1").files if r.path == "dags/nightly.py")
    assert (loaded.error, loaded.dag_ids) == (None, ("nightly",)), loaded.error


def test_the_payload_read_loads_on_2_11_2_and_is_not_flagged(make_project):
    # The hook of provider 7.10.0 (the 2.11.2 pin) imports aiofiles, which it does not declare.
    root = _project(make_project, "apache-airflow-providers-databricks\naiofiles\n")
    assert _api022(root, "2.11.2") == []
    loaded = next(r for r in _verify(root, "2.11.2").files if r.path == "dags/nightly.py")
    assert (loaded.error, loaded.dag_ids) == (None, ("nightly",)), loaded.error
