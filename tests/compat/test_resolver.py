"""The resolver over generated tables, inventories and the overlay."""

from __future__ import annotations

import importlib
import json
import sys
import time
from functools import cache, lru_cache
from pathlib import Path

import pytest
from kb_paths import MWAA_DATA, pinned_versions
from migrator.compat import (
    argument_changes,
    config_changes,
    config_section_rename,
    context_key_changes,
    final_paths,
    metadata_db_names,
    missing_binary,
    platform_limit_for,
    provider_for,
    removed_stdlib,
    resolve,
)
from packaging.version import Version

from migrator import compat

DATA = Path(compat.__file__).parent / "data"
TARGETS = ["2.11.2", "3.3.1"]
SSH = "apache-airflow-providers-ssh"
STANDARD = "apache-airflow-providers-standard"
CNCF = "apache-airflow-providers-cncf-kubernetes"
AMAZON = "apache-airflow-providers-amazon"


def destination_in_pinned_inventory(path: str, target: str) -> bool:
    """Whether ``path`` is in the inventory of the distribution that holds it at the version
    the target's constraints pin (core and the task SDK: the target's own). Read straight from
    the files, independent of the resolver."""
    if path.split(".")[0] in sys.stdlib_module_names:
        # A re-export of the standard library (airflow.utils.dates.datetime): it is where every
        # target's Python has it.
        module, _, name = path.rpartition(".")
        return hasattr(importlib.import_module(module), name)
    pins = pinned_versions(target)
    entry = compat_targets()[target]
    distribution, version = entry["core"]["distribution"], target
    if path.startswith("airflow.providers."):
        parts = path.split(".")
        candidates = ["apache-airflow-providers-" + "-".join(parts[2:end]) for end in range(len(parts), 2, -1)]
        distribution = next((c for c in candidates if c in pins), "not pinned: " + path)
        version = pins.get(distribution)
    elif path.startswith("kubernetes."):
        distribution, version = "kubernetes", pins["kubernetes"]
    elif path.startswith("airflow.sdk") and entry["task_sdk"]:
        distribution, version = "apache-airflow-task-sdk", entry["task_sdk"]
    modules = inventory_modules(f"{distribution}-{version}.json")
    module, _, name = path.rpartition(".")
    return path in modules or name in modules.get(module, ())


@lru_cache(maxsize=1)
def compat_targets() -> dict:
    return json.loads((DATA / "generated" / "targets.json").read_text())["targets"]


@cache
def inventory_modules(file_name: str) -> dict[str, list[str]]:
    path = DATA / "generated" / "inventory" / file_name
    return json.loads(path.read_text())["modules"] if path.is_file() else {}


# (name, target) -> (status, final path, provider)
EXPECTED = {
    ("airflow.operators.bash_operator.BashOperator", "2.11.2"): ("moved", "airflow.operators.bash.BashOperator", None),
    ("airflow.operators.bash_operator.BashOperator", "3.3.1"): ("moved", "airflow.providers.standard.operators.bash.BashOperator", STANDARD),
    ("airflow.contrib.operators.ssh_operator.SSHOperator", "2.11.2"): ("moved", "airflow.providers.ssh.operators.ssh.SSHOperator", SSH),
    ("airflow.contrib.operators.ssh_operator.SSHOperator", "3.3.1"): ("moved", "airflow.providers.ssh.operators.ssh.SSHOperator", SSH),
    ("airflow.hooks.S3_hook.S3Hook", "2.11.2"): ("moved", "airflow.providers.amazon.aws.hooks.s3.S3Hook", "apache-airflow-providers-amazon"),
    ("airflow.hooks.S3_hook.S3Hook", "3.3.1"): ("moved", "airflow.providers.amazon.aws.hooks.s3.S3Hook", "apache-airflow-providers-amazon"),
    ("airflow.operators.dummy_operator.DummyOperator", "2.11.2"): ("renamed", "airflow.operators.empty.EmptyOperator", None),
    ("airflow.operators.dummy_operator.DummyOperator", "3.3.1"): ("renamed", "airflow.providers.standard.operators.empty.EmptyOperator", STANDARD),
    ("airflow.operators.postgres_operator.PostgresOperator", "2.11.2"): ("renamed", "airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator", "apache-airflow-providers-common-sql"),
    ("airflow.operators.postgres_operator.PostgresOperator", "3.3.1"): ("renamed", "airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator", "apache-airflow-providers-common-sql"),
    ("airflow.contrib.operators.kubernetes_pod_operator.KubernetesPodOperator", "2.11.2"): ("moved", "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator", "apache-airflow-providers-cncf-kubernetes"),
    ("airflow.contrib.operators.kubernetes_pod_operator.KubernetesPodOperator", "3.3.1"): ("moved", "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator", "apache-airflow-providers-cncf-kubernetes"),
    ("airflow.operators.python_operator.PythonOperator", "2.11.2"): ("moved", "airflow.operators.python.PythonOperator", None),
    ("airflow.operators.python_operator.PythonOperator", "3.3.1"): ("moved", "airflow.providers.standard.operators.python.PythonOperator", STANDARD),
    ("airflow.utils.dates.days_ago", "2.11.2"): ("unchanged", "airflow.utils.dates.days_ago", None),
    ("airflow.utils.dates.days_ago", "3.3.1"): ("removed", None, None),
    ("airflow.operators.subdag_operator.SubDagOperator", "2.11.2"): ("moved", "airflow.operators.subdag.SubDagOperator", None),
    ("airflow.operators.subdag_operator.SubDagOperator", "3.3.1"): ("removed", None, None),
    ("airflow.models.DAG", "2.11.2"): ("unchanged", "airflow.models.DAG", None),
    ("airflow.models.DAG", "3.3.1"): ("moved", "airflow.sdk.DAG", None),
    ("airflow.operators.http_operator.SimpleHttpOperator", "3.3.1"): ("renamed", "airflow.providers.http.operators.http.HttpOperator", "apache-airflow-providers-http"),
    ("airflow.datasets.Dataset", "3.3.1"): ("renamed", "airflow.sdk.Asset", None),
    ("airflow.datasets.Dataset", "2.11.2"): ("unchanged", "airflow.datasets.Dataset", None),
    ("airflow.decorators.task", "3.3.1"): ("moved", "airflow.sdk.task", None),
    ("airflow.utils.timezone.utcnow", "3.3.1"): ("moved", "airflow.sdk.timezone.utcnow", None),
    ("airflow.macros.hive.max_partition", "3.3.1"): ("moved", "airflow.providers.apache.hive.macros.hive.max_partition", "apache-airflow-providers-apache-hive"),
    ("airflow.contrib.hooks.aws_hook", "3.3.1"): ("renamed", "airflow.providers.amazon.aws.hooks.base_aws", "apache-airflow-providers-amazon"),
    ("airflow.providers.amazon.aws.hooks.s3.S3Hook", "3.3.1"): ("unchanged", "airflow.providers.amazon.aws.hooks.s3.S3Hook", "apache-airflow-providers-amazon"),
    # 1.10's package-level names and airflow.operators.sensors (read from the 1.10.15 wheel).
    ("airflow.operators.sensors.ExternalTaskSensor", "3.3.1"): ("moved", "airflow.providers.standard.sensors.external_task.ExternalTaskSensor", STANDARD),
    ("airflow.operators.sensors.SqlSensor", "2.11.2"): ("moved", "airflow.providers.common.sql.sensors.sql.SqlSensor", "apache-airflow-providers-common-sql"),
    ("airflow.operators.DummyOperator", "3.3.1"): ("renamed", "airflow.providers.standard.operators.empty.EmptyOperator", STANDARD),
    ("airflow.hooks.PostgresHook", "2.11.2"): ("moved", "airflow.providers.postgres.hooks.postgres.PostgresHook", "apache-airflow-providers-postgres"),
    ("airflow.contrib.hooks.SSHHook", "3.3.1"): ("moved", "airflow.providers.ssh.hooks.ssh.SSHHook", SSH),
    # A name a 1.10 contrib module imported, imported from that module.
    ("airflow.contrib.sensors.aws_sqs_sensor.SQSHook", "3.3.1"): ("renamed", "airflow.providers.amazon.aws.hooks.sqs.SqsHook", AMAZON),
    ("airflow.contrib.operators.ssh_operator.SSHHook", "2.11.2"): ("moved", "airflow.providers.ssh.hooks.ssh.SSHHook", SSH),
    # ... which says nothing about where the module went.
    ("airflow.contrib.auth.backends.github_enterprise_auth", "3.3.1"): ("removed", None, None),
    # Kubernetes objects: Secret lives on in the provider, the others became client models.
    ("airflow.kubernetes.secret.Secret", "3.3.1"): ("moved", "airflow.providers.cncf.kubernetes.secret.Secret", CNCF),
    ("airflow.contrib.kubernetes.secret.Secret", "2.11.2"): ("moved", "airflow.providers.cncf.kubernetes.secret.Secret", CNCF),
    ("airflow.kubernetes.volume.Volume", "3.3.1"): ("renamed", "kubernetes.client.models.V1Volume", None),
    ("airflow.contrib.kubernetes.volume_mount.VolumeMount", "2.11.2"): ("renamed", "kubernetes.client.models.V1VolumeMount", None),
    ("airflow.contrib.kubernetes.pod.Resources", "3.3.1"): ("renamed", "kubernetes.client.models.V1ResourceRequirements", None),
    ("airflow.kubernetes.pod.Port", "2.11.2"): ("renamed", "kubernetes.client.models.V1ContainerPort", None),
    ("airflow.kubernetes.pod_runtime_info_env.PodRuntimeInfoEnv", "3.3.1"): ("renamed", "kubernetes.client.models.V1EnvVar", None),
    # Context: Airflow 3.3 still ships airflow.utils.context, but its Context is a module there.
    ("airflow.utils.context.Context", "3.3.1"): ("moved", "airflow.sdk.Context", None),
    ("airflow.utils.context.Context", "2.11.2"): ("unchanged", "airflow.utils.context.Context", None),
    ("airflow.models.taskinstance.Context", "3.3.1"): ("moved", "airflow.sdk.Context", None),
    # airflow.utils.context's own table forwards to the module; the name in it is meant.
    ("airflow.utils.context.KNOWN_CONTEXT_KEYS", "3.3.1"): ("moved", "airflow.sdk.definitions.context.KNOWN_CONTEXT_KEYS", None),
    # ... while a 1.10 contrib module's ``from airflow import version`` imported the module.
    ("airflow.contrib.hooks.gcp_api_base_hook.version", "3.3.1"): ("moved", "airflow.version", None),
    ("airflow.models.dag.DAG", "3.3.1"): ("moved", "airflow.sdk.DAG", None),
    ("airflow.utils.log.secrets_masker.mask_secret", "3.3.1"): ("moved", "airflow.sdk.log.mask_secret", None),
    ("airflow.providers.cncf.kubernetes.operators.kubernetes_pod.KubernetesPodOperator", "3.3.1"):
        ("moved", "airflow.providers.cncf.kubernetes.operators.pod.KubernetesPodOperator", CNCF),
    ("airflow.www.auth.has_access_view", "3.3.1"): ("removed", None, None),
    ("airflow.executors.get_default_executor", "2.11.2"): ("removed", None, None),
    # Provider-side renames and relocations the tables do not follow.
    ("airflow.contrib.operators.ecs_operator.ECSOperator", "3.3.1"): ("renamed", "airflow.providers.amazon.aws.operators.ecs.EcsRunTaskOperator", AMAZON),
    ("airflow.operators.mssql_operator.MsSqlOperator", "3.3.1"): ("renamed", "airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator", "apache-airflow-providers-common-sql"),
    ("airflow.contrib.operators.emr_add_steps_operator.EmrAddStepsOperator", "3.3.1"): ("moved", "airflow.providers.amazon.aws.operators.emr.EmrAddStepsOperator", AMAZON),
    ("airflow.contrib.utils.weekday.WeekDay", "3.3.1"): ("moved", "airflow.providers.standard.utils.weekday.WeekDay", STANDARD),
    ("airflow.kubernetes.pod_generator.PodGenerator", "3.3.1"): ("moved", "airflow.providers.cncf.kubernetes.pod_generator.PodGenerator", CNCF),
    ("airflow.sensors.s3_prefix_sensor.S3PrefixSensor", "3.3.1"): ("removed", None, None),
    ("airflow.no_such_module.Thing", "3.3.1"): ("unknown", None, None),
    # Airflow 2's airflow.utils.dates re-exported the standard library's datetime names; 3.x does
    # not, and on 2.x the name imports as written.
    ("airflow.utils.dates.datetime", "3.3.1"): ("moved", "datetime.datetime", None),
    ("airflow.utils.dates.timedelta", "3.0.6"): ("moved", "datetime.timedelta", None),
    ("airflow.utils.dates.datetime", "2.11.2"): ("unknown", None, None),
    # LazyXComAccess: its own name up to 2.9, LazyXComSelectSequence on 2.10+, and the Task SDK's
    # LazyXComSequence (what a task receives) on 3.x: one destination per range of targets.
    ("airflow.models.xcom.LazyXComAccess", "2.9.2"): ("unchanged", "airflow.models.xcom.LazyXComAccess", None),
    ("airflow.models.xcom.LazyXComAccess", "2.11.2"): ("renamed", "airflow.models.xcom.LazyXComSelectSequence", None),
    ("airflow.models.xcom.LazyXComAccess", "3.3.1"): ("renamed", "airflow.sdk.execution_time.lazy_sequence.LazyXComSequence", None),
    ("airflow.contrib.hooks.no_such_hook.NoSuchHook", "3.3.1"): ("removed", None, None),
}


@pytest.mark.parametrize(("name", "target"), sorted(EXPECTED))
def test_resolve_known_names(name, target):
    status, new, provider = EXPECTED[(name, target)]
    resolution = resolve(name, target)
    assert (resolution.status, resolution.new, resolution.provider) == (status, new, provider)
    assert resolution.hops[0] == name
    if resolution.new is not None:
        assert resolution.hops[-1] == resolution.new
        assert resolution.sources, "a resolution without provenance"
    if status == "removed":
        assert resolution.advice


def test_hops_compose_through_both_majors():
    resolution = resolve("airflow.operators.bash_operator.BashOperator", "3.3.1")
    assert resolution.hops == (
        "airflow.operators.bash_operator.BashOperator",
        "airflow.operators.bash.BashOperator",
        "airflow.providers.standard.operators.bash.BashOperator",
    )
    assert any("apache-airflow==2.11.2" in s for s in resolution.sources)
    assert any("apache-airflow-core==3.3.1" in s for s in resolution.sources)


def test_preinstalled_and_provider_versions():
    ssh = resolve("airflow.contrib.operators.ssh_operator.SSHOperator", "3.3.1")
    assert not ssh.preinstalled and ssh.min_version is not None
    assert provider_for("airflow.contrib.operators.ssh_operator.SSHOperator", "3.3.1") == (SSH, "6.0.1")
    bash = resolve("airflow.operators.bash_operator.BashOperator", "3.3.1")
    assert bash.preinstalled
    assert provider_for("airflow.operators.bash_operator.BashOperator", "3.3.1") == (STANDARD, "1.17.0")
    assert provider_for("airflow.operators.bash_operator.BashOperator", "2.11.2") is None


def test_advice_for_names_removed_later():
    days_ago = resolve("airflow.utils.dates.days_ago", "2.11.2")
    assert "3.0.0" in days_ago.advice and "pendulum" in days_ago.advice
    assert "TaskGroup" in resolve("airflow.operators.subdag_operator.SubDagOperator", "3.3.1").advice


# Every supported target with an MWAA image in shared/mwaa-data; the older ones (no image data)
# borrow the nearest target's data and say so (test_older_targets_borrow_the_nearest_data).
@pytest.mark.parametrize("target", sorted((p.name for p in MWAA_DATA.iterdir() if p.is_dir()), key=Version))
def test_every_fix_destination_exists_in_what_the_target_pins(target):
    """Every move or rename compat knows lands on a name the target has, at the provider (or
    Kubernetes client) version the target's constraints pin: the fixes of API001 and API007
    write exactly these paths."""
    resolutions = final_paths(target)
    assert len(resolutions) > 700
    produced = {r.new for r in resolutions.values() if r.new}
    missing = sorted(p for p in produced if not destination_in_pinned_inventory(p, target))
    assert missing == []
    # Most of what the tables know resolves; what does not is a retired integration or a
    # provider-side removal, each with an explanation.
    gone = [r for r in resolutions.values() if r.status == "removed"]
    assert len(gone) < 0.25 * len(resolutions)
    assert all(r.advice for r in gone)


def test_removals_say_what_replaces_the_name():
    assert "fastapi_apps" in resolve("airflow.www.app.csrf", "3.3.1").advice
    assert "ExecutorLoader" in resolve("airflow.executors.get_default_executor", "3.3.1").advice
    assert "wildcard_match" in resolve("airflow.operators.sensors.S3PrefixSensor", "3.3.1").advice
    assert "WebHDFSHook" in resolve("airflow.hooks.hdfs_hook.HDFSHook", "3.3.1").advice
    assert "deadline alerts" in resolve("airflow.models.SlaMiss", "3.3.1").advice


def test_deprecated_aliases_are_what_the_targets_own_airflow_forwards():
    # Registered by 3.3.1 itself (add_deprecated_classes in airflow/utils/context.py), as written.
    assert compat.deprecated_alias("airflow.utils.context.Context", "3.3.1") == "airflow.sdk.definitions.context"
    # A whole-module redirect (airflow.utils.timezone.* -> airflow.sdk.timezone).
    assert compat.deprecated_alias("airflow.utils.timezone.utcnow", "3.3.1") == "airflow.sdk.timezone.utcnow"
    # Gone without an alias on 3.x (1.10 path), and not an alias where it is the real name.
    assert compat.deprecated_alias("airflow.operators.bash_operator.BashOperator", "3.3.1") is None
    assert compat.deprecated_alias("airflow.utils.context.Context", "2.11.2") is None


def test_a_relocation_is_inferred_only_from_one_module():
    emr = resolve("airflow.providers.amazon.aws.operators.emr_add_steps.EmrAddStepsOperator", "3.3.1")
    assert emr.sources[-2] == "inventory: only airflow.providers.amazon.aws.operators.emr defines EmrAddStepsOperator"
    # Several modules named module_loading define import_string: no guess.
    assert resolve("airflow.contrib.utils.sendgrid.import_string", "3.3.1").status == "removed"
    # A plugin-manager name shares no module name with anything Airflow ships.
    assert resolve("airflow.operators.acme_plugin.BashOperator", "3.3.1").status == "unknown"


def test_client_models_need_the_provider_that_installs_the_client():
    volume = resolve("airflow.kubernetes.volume.Volume", "3.3.1")
    assert volume.sources[-1] == "inventory: kubernetes==36.0.3"
    assert not volume.preinstalled
    assert "apache-airflow-providers-cncf-kubernetes" in volume.advice


def test_older_targets_borrow_the_nearest_data():
    resolution = resolve("airflow.hooks.S3_hook.S3Hook", "2.8.1")
    assert resolution.status == "moved"
    assert any("approximated by the data of MWAA 2.9.2" in s for s in resolution.sources)


def test_resolve_is_fast():
    names = list(final_paths("3.3.1"))
    started = time.perf_counter()
    for _ in range(20):
        for name in names:
            resolve(name, "3.3.1")
    assert time.perf_counter() - started < 1.0


def test_argument_changes():
    on_3 = {(c.owner, c.argument): c for c in argument_changes("3.3.1")}
    on_2 = {(c.owner, c.argument): c for c in argument_changes("2.11.2")}
    expected = {
        ("DAG", "schedule_interval"): "schedule",
        ("DAG", "concurrency"): "max_active_tasks",
        ("DAG", "fail_stop"): "fail_fast",
        ("DAG", "timetable"): "schedule",
        ("BaseOperator", "task_concurrency"): "max_active_tis_per_dag",
        ("airflow.providers.standard.operators.trigger_dagrun.TriggerDagRunOperator", "execution_date"): "logical_date",
        ("airflow.sdk.Variable.get", "default_var"): "default",
    }
    for key, replacement in expected.items():
        assert on_3[key].replacement == replacement and on_3[key].breaks, key
        assert not on_2[key].breaks, key
    for removed in ("default_view", "orientation", "full_filepath"):
        assert on_3[("DAG", removed)].breaks and on_3[("DAG", removed)].replacement is None
    assert on_3[("DAG", "schedule_interval")].removed_in == "3.0.0"
    assert on_3[("airflow.providers.standard.operators.python.PythonOperator", "provide_context")].breaks
    assert on_3[("DAG", "sla_miss_callback")].no_op and not on_3[("DAG", "sla_miss_callback")].breaks
    assert on_3[("BaseOperator", "sla")].no_op
    assert ("DAG", "sla_miss_callback") not in on_2


def test_context_key_changes():
    on_3 = context_key_changes("3.3.1")
    assert on_3["execution_date"].breaks and on_3["execution_date"].replacement == "data_interval_start"
    assert on_3["triggering_dataset_events"].replacement == "triggering_asset_events"
    for key in ("next_ds", "prev_ds", "tomorrow_ds_nodash", "yesterday_ds", "conf"):
        assert on_3[key].breaks, key
    on_2 = context_key_changes("2.11.2")
    assert not on_2["execution_date"].breaks
    assert on_2["tables"].breaks  # gone since 2.0


def test_config_changes():
    on_3 = {(c.option, c.kind): c for c in config_changes("3.3.1")}
    assert on_3[("core.dag_concurrency", "renamed")].new_option == "core.max_active_tasks_per_dag"
    assert on_3[("core.check_slas", "removed")].breaks
    # Airflow 3 lists these in CONFIGS_CHANGES, but 3.3.1's deprecated_options still reads the old name
    for old, new in (("webserver.expose_config", "api.expose_config"), ("webserver.instance_name", "api.instance_name")):
        assert (on_3[(old, "renamed")].new_option, on_3[(old, "renamed")].breaks) == (new, False), old
    assert on_3[("core.logging_level", "renamed")].breaks  # an Airflow 2.0 rename 3.3.1 no longer maps
    catchup = on_3[("scheduler.catchup_by_default", "default_changed")]
    assert (catchup.old_default, catchup.new_default) == ("True", "False")
    on_2 = {(c.option, c.kind): c for c in config_changes("2.11.2")}
    assert on_2[("scheduler.max_threads", "renamed")].new_option == "scheduler.parsing_processes"
    assert not on_2[("scheduler.max_threads", "renamed")].breaks
    assert not any(c.kind == "default_changed" for c in on_2.values())


def test_config_section_renames_an_older_release_mapped_break_on_airflow_3():
    on_2 = config_section_rename("kubernetes", "2.11.2")
    assert (on_2.new, on_2.since, on_2.breaks) == ("kubernetes_executor", "2.5.0", False)
    on_3 = config_section_rename("kubernetes", "3.3.1")
    assert (on_3.new, on_3.breaks) == ("kubernetes_executor", True)
    assert config_section_rename("core", "3.3.1") is None


def test_platform_knowledge():
    assert platform_limit_for("airflow.operators.docker_operator.DockerOperator", "2.11.2").id == "docker"
    assert platform_limit_for("airflow.contrib.operators.ssh_operator.SSHOperator", "3.3.1").id == "on_prem_network"
    assert platform_limit_for(
        "airflow.contrib.operators.kubernetes_pod_operator.KubernetesPodOperator", "3.3.1").id == "kubernetes"
    assert platform_limit_for("airflow.operators.bash_operator.BashOperator", "3.3.1") is None
    assert missing_binary("sudo /opt/spark/bin/spark-submit --master yarn").name == "spark-submit"
    assert missing_binary("echo hi") is None
    names_312 = {r.name for r in removed_stdlib("3.12")}
    assert {"distutils", "imp", "asynchat", "asyncore", "smtpd", "inspect.getargspec",
            "asyncio.coroutine", "collections.Mapping"} <= names_312
    assert "distutils" not in {r.name for r in removed_stdlib("3.11")}
    assert {r.name for r in removed_stdlib("2.11.2")} == names_312  # MWAA 2.11.2 runs 3.12
    assert any(n.name == "airflow.settings.Session" for n in metadata_db_names())


def test_every_overlay_row_has_reason_and_source():
    overlay = json.loads((DATA / "overlay.json").read_text())
    for row in overlay["moves"]:
        assert row["reason"] and row["source"], row
    for block in ("removals", "arguments", "context_keys", "defaults", "plugins", "platform_limits",
                  "extra_requirements", "attributes"):
        for row in overlay[block]:
            assert row["source"], (block, row)
    for block in ("missing_binaries", "removed_stdlib", "metadata_db"):
        assert overlay[block]["source"], block


def test_an_airflow_3_name_moves_to_its_airflow_2_home_on_an_airflow_2_target():
    # The common.compat provider's table, generated (the airflow-2-homes table of moves.json).
    for name, home in (("airflow.sdk.dag", "airflow.decorators.dag"),
                       ("airflow.sdk.get_current_context", "airflow.operators.python.get_current_context"),
                       ("airflow.sdk.Variable", "airflow.models.variable.Variable"),
                       ("airflow.sdk.Label", "airflow.utils.edgemodifier.Label"),
                       ("airflow.sdk.timezone.utcnow", "airflow.utils.timezone.utcnow")):
        resolution = resolve(name, "2.11.2")
        assert (resolution.status, resolution.new) == ("moved", home), name
    # A rename goes back too (Asset was Dataset), and the newest core's deprecation table read
    # backwards gives the Task SDK's own module paths.
    assert resolve("airflow.sdk.Asset", "2.11.2").new == "airflow.datasets.Dataset"
    assert resolve("airflow.sdk.bases.sensor.BaseSensorOperator", "2.11.2").new == \
        "airflow.sensors.base.BaseSensorOperator"
    # Nothing of the kind on an Airflow 3 target.
    assert resolve("airflow.sdk.dag", "3.3.1").status == "unchanged"


def test_an_airflow_3_name_airflow_2_has_nowhere_is_removed_on_an_airflow_2_target():
    watcher = resolve("airflow.sdk.AssetWatcher", "2.11.2")
    assert watcher.status == "removed"
    assert "Airflow 2.11.2 has no equivalent" in watcher.advice
    # One finding per root cause: the import says it; an attribute of the name is not reported again.
    assert resolve("airflow.sdk.task.short_circuit", "2.11.2").status == "unknown"
    # A provider's module is the provider's business, whichever Airflow the target has.
    assert resolve("airflow.providers.standard.operators.empty.EmptyOperator", "2.11.2").status != "removed"


def test_model_attribute_changes_are_keyed_by_every_spelling_and_start_with_airflow_3():
    changes = compat.attribute_changes("3.3.1")
    for owner in ("airflow.models.DagRun", "airflow.models.dagrun.DagRun",
                  "airflow.models.TaskInstance", "airflow.models.taskinstance.TaskInstance"):
        change = changes[(owner, "execution_date")]
        assert (change.replacement, change.removed_in) == ("logical_date", "3.0.0")
        assert change.source and change.reason
    assert compat.attribute_changes("2.11.2") == {}
