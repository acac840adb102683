"""API019 names the mixin's own class as a related location: Airflow 3 raises inside its
``__init__``, in another module than the operator, and `migrate --verify` matches the failure there."""

from __future__ import annotations

from migrator.compat import get_version

from migrator.config import Settings
from migrator.engine import scan

MIXIN = ("from airflow.utils.log.logging_mixin import LoggingMixin\n\n\n"
         "class Base(LoggingMixin):\n"
         "    def __init__(self, retries=3, *args, **kwargs):\n"
         "        super().__init__(*args, **kwargs)\n\n\n"
         "class RetryMixin(Base):\n    pass\n")
OPERATOR = ("from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator\n\n"
            "from company.mixins import RetryMixin\n\n\n"
            "class AddSteps(RetryMixin, EmrAddStepsOperator):\n    pass\n")


def test_the_mixin_and_its_parents_are_related_locations(make_project):
    root = make_project({"dags/company/__init__.py": "", "dags/company/mixins.py": MIXIN,
                         "dags/company/operators.py": OPERATOR,
                         "dags/emr.py": ("from airflow import DAG\nfrom company.operators import AddSteps\n"
                                         "with DAG('emr', schedule=None):\n    AddSteps(task_id='add', job_flow_id='j')\n")})
    result = scan(root, Settings(select=("API019",)), get_version("3.3.1"), jobs=1)
    [finding] = result.findings
    assert finding.path == "dags/company/operators.py"
    assert [(r.path, r.location.line) for r in finding.related] == [
        ("dags/company/mixins.py", 9), ("dags/company/mixins.py", 4)]
    assert all(r.note.startswith("API019: RetryMixin hands the arguments on") for r in finding.related)


def test_a_mixin_called_without_arguments_names_the_operator_chain_it_is_called_from(make_project):
    """BaseOperator calls the mixin at the end of the operator's chain of __init__s: the error
    surfaces in the deepest project class of that chain (a company pod operator here)."""
    root = make_project({
        "dags/company/__init__.py": "",
        "dags/company/alerting.py": "class AlertingMixin:\n    def __init__(self, configuration):\n"
                                    "        self.configuration = configuration\n",  # no super(): called all the same
        "dags/company/pod.py": ("from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n\n\n"
                                "class CompanyPodOperator(KubernetesPodOperator):\n"
                                "    def __init__(self, **kwargs):\n        super().__init__(**kwargs)\n"),
        "dags/company/service.py": ("from company.alerting import AlertingMixin\nfrom company.pod import CompanyPodOperator\n\n\n"
                                    "class ServiceOperator(CompanyPodOperator, AlertingMixin):\n    pass\n"),
        "dags/svc.py": ("from airflow import DAG\nfrom company.service import ServiceOperator\n"
                        "with DAG('svc', schedule=None):\n    ServiceOperator(task_id='run')\n")})
    result = scan(root, Settings(select=("API019",)), get_version("3.3.1"), jobs=1)
    [finding] = result.findings
    assert finding.path == "dags/company/service.py"
    assert [r.path for r in finding.related] == ["dags/company/alerting.py", "dags/company/pod.py"]
