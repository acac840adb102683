"""How the knowledge base's answers become error / warning / info for the import rules."""

from __future__ import annotations

import pytest
from migrator.compat import get_version

from migrator.analysis import airflow_api
from migrator.findings import Severity

V2, V3 = get_version("2.11.2"), get_version("3.3.1")


@pytest.mark.parametrize(("name", "target", "expected"), [
    # 1.10 paths: gone on 3.x, deprecated shims on 2.x.
    ("airflow.operators.bash_operator.BashOperator", V3, ("moved", Severity.ERROR)),
    ("airflow.operators.bash_operator.BashOperator", V2, ("moved", Severity.WARNING)),
    # A 2.x path still redirected by Airflow 3's own tables: works, a newer home is preferred.
    ("airflow.operators.python.PythonOperator", V3, ("moved", Severity.INFO)),
    ("airflow.operators.python.PythonOperator", V2, None),
    # Aliases plain Airflow 3 modules keep for their own names (add_deprecated_classes in
    # airflow.utils.context, __getattr__ in airflow.models.dag): they import, with a warning,
    # even where the knowledge base sends the name elsewhere (Context -> airflow.sdk.Context).
    ("airflow.utils.context.Context", V3, ("moved", Severity.INFO)),
    ("airflow.models.dag.DAG", V3, ("moved", Severity.INFO)),
    # ... but a name the module only declares under TYPE_CHECKING does not import.
    ("airflow.models.dag.ScheduleInterval", V3, ("moved", Severity.ERROR)),
    # contrib through a provider MWAA does not preinstall: fails until the provider is added.
    ("airflow.contrib.operators.ssh_operator.SSHOperator", V2, ("moved", Severity.ERROR)),
    # Class renames.
    ("airflow.operators.dummy_operator.DummyOperator", V3, ("renamed", Severity.ERROR)),
    ("airflow.providers.postgres.operators.postgres.PostgresOperator", V2, ("renamed", Severity.ERROR)),
    # Removed outright on 3.x, still there on 2.x.
    ("airflow.utils.dates.days_ago", V3, ("removed", Severity.ERROR)),
    ("airflow.utils.dates.days_ago", V2, None),
    # Aliases Airflow 3 keeps are fine as written.
    ("airflow.DAG", V3, None),
    ("airflow.models.Variable", V3, None),
    # Not Airflow, or unknown to the knowledge base.
    ("pandas.read_csv", V3, None),
])
def test_import_verdict(name, target, expected):
    verdict = airflow_api.import_verdict(name, target)
    assert (None if verdict is None else (verdict.kind, verdict.severity)) == expected


def test_verdict_names_the_provider_and_its_minimum_version():
    verdict = airflow_api.import_verdict("airflow.contrib.operators.ssh_operator.SSHOperator", V3)
    assert verdict.new == "airflow.providers.ssh.operators.ssh.SSHOperator"
    assert verdict.requirement.startswith("apache-airflow-providers-ssh>=")
    assert verdict.preinstalled is False


def test_plugin_manager_names_resolve_through_the_project_exports():
    exports = (("airflow.operators.acme_plugin.SftpToS3Operator", "acme.operators.sftp_to_s3.SftpToS3Operator"),
               ("airflow.hooks.acme_plugin.PosApiHook", "acme.hooks.pos_api_hook.PosApiHook"))
    assert airflow_api.plugin_target("airflow.operators.acme_plugin.SftpToS3Operator", exports) == \
        "acme.operators.sftp_to_s3.SftpToS3Operator"
    # 1.10 also published plugin operators straight under airflow.operators.
    assert airflow_api.plugin_target("airflow.operators.SftpToS3Operator", exports) == \
        "acme.operators.sftp_to_s3.SftpToS3Operator"
    assert airflow_api.plugin_target("airflow.operators.PosApiHook", exports) is None
    assert "airflow.operators." in airflow_api.plugin_namespaces(V3)


def test_exact_context_key_only_for_same_value_keys():
    changes = airflow_api.context_key_changes(V3)
    assert airflow_api.exact_context_key(changes["execution_date"]) == "logical_date"
    assert airflow_api.exact_context_key(changes["next_ds"]) is None
    assert airflow_api.exact_context_key(changes["prev_ds"]) is None


@pytest.mark.parametrize(("uses", "renamed"), [
    ('task_args["commands"].append("warm")\n', True),  # another key: the rename is safe
    ('print(task_args["task_concurrency"])\n', False),  # the key itself is read: a rename breaks it
    ("phase_task(task_args)\n", False),  # handed on: who knows what reads it
])
def test_a_removed_key_an_operator_gets_through_a_dict_is_renamed_only_where_nothing_reads_it(
        make_project, uses, renamed):
    from migrator.config import Settings
    from migrator.engine import scan

    root = make_project({"dags/tasks.py": (
        "from company.operators import TaskServiceOperator\nfrom company.tasks import phase_task\n\n"
        'task_args = {"task_name": "load", "task_concurrency": 1, "commands": []}\n'
        + uses + "TaskServiceOperator(**task_args)\n")})
    found = [f for f in scan(root, Settings(), get_version("3.3.1"), jobs=1, use_cache=False).findings
             if f.rule == "API003"]
    assert [(f.location.line, "max_active_tis_per_dag" in f.message) for f in found] == [(4, True)]
    assert (found[0].fix is not None) is renamed
