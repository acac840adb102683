"""The code rules on the bundled example project: what a migration engineer would write down,
located on the right lines, and nothing on the files that are already fine."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import EXAMPLE_PROJECT
from migrator.compat import get_version, supported_versions

from migrator.config import Settings
from migrator.engine import scan

CODE_FAMILIES = ("API", "MWA", "PY")

# (rule, file, a fragment of the flagged line, a fragment of the message) on the newest target.
EXPECTED_ON_AIRFLOW_3 = [
    ("API001", "dags/pos_sales_ingest.py", "from airflow.contrib.operators.ssh_operator", "apache-airflow-providers-ssh"),
    ("API001", "dags/vendor_returns_report.py", "import SftpToS3Operator", "acme.operators.sftp_to_s3"),
    ("API001", "dags/vendor_returns_report.py", "bo.BashOperator(", "providers.standard"),
    ("API001", "dags/customer_360_refresh.py", "kubernetes_pod_operator.KubernetesPodOperator(", "cncf"),
    ("API002", "dags/customer_360_refresh.py", "airflow.utils.dates.days_ago(1)", "days_ago"),
    ("API002", "dags/store_inventory_snapshot.py", "import SubDagOperator", "TaskGroup"),
    ("API003", "dags/pos_sales_ingest.py", "schedule_interval=", "schedule"),
    ("API003", "dags/pos_sales_ingest.py", "concurrency=4", "max_active_tasks"),
    ("API003", "dags/pos_sales_ingest.py", '"task_concurrency": 1', "silently ignored"),
    ("API003", "dags/pos_sales_ingest.py", "sla_miss_callback=", "does nothing"),
    ("API003", "dags/supplier_feed_sync.py", "default_view=", "default_view"),
    ("API003", "dags/supplier_feed_sync.py", "fail_stop=", "fail_fast"),
    ("API003", "dags/ops_metadata_housekeeping.py", "timetable=", "schedule"),
    ("API003", "dags/daily_sales_rollup.py", "provide_context=True", "provide_context"),
    ("API004", "dags/customer_360_refresh.py", "{{ execution_date.isoformat() }}", "execution_date"),
    ("API004", "dags/customer_360_refresh.py", "{{ prev_ds }}", "prev_ds"),
    ("API004", "dags/pos_sales_ingest.py", 'context["execution_date"]', "execution_date"),
    ("API004", "dags/vendor_returns_report.py", 'kwargs.get("prev_ds")', "prev_ds"),
    ("API004", "dags/clickstream_sessionize.py", 'context["next_execution_date"]', "next_execution_date"),
    ("API004", "dags/marketing_attribution.py", "{{ yesterday_ds }}", "yesterday_ds"),
    ("API005", "dags/store_inventory_snapshot.py", "SubDagOperator(", "TaskGroup"),
    ("API017", "dags/vendor_returns_report.py", "dag >> fetch_rma_file", "update_relative"),
    ("API015", "dags/supplier_feed_sync.py", "datetime(2024, 1, 1)", "ParamValidationError"),
    ("API016", "dags/store_inventory_snapshot.py", "\"none_failed_or_skipped\"", "none_failed_min_one_success"),
    ("API006", "dags/pos_sales_ingest.py", "start_date=days_ago(2)", "days_ago"),
    ("API007", "dags/daily_sales_rollup.py", "DummyOperator(task_id", "EmptyOperator"),
    ("API007", "dags/warehouse_loads.py", "MySqlOperator(", "mysql_conn_id -> conn_id"),
    ("API007", "dags/store_inventory_snapshot.py", "rebuild_chain_view = PostgresOperator(", "default_args"),
    ("API007", "dags/supplier_feed_sync.py", "SimpleHttpOperator(", "HttpOperator"),
    ("API007", "dags/common/datasets.py", "CLICKSTREAM_SESSIONS = Dataset(", "Asset"),
    ("API008", "dags/common/dq.py", "@apply_defaults", "Delete the decorator"),
    ("API008", "plugins/acme/operators/sftp_to_s3.py", "@apply_defaults", "Delete the decorator"),
    ("API009", "dags/supplier_feed_sync.py", "with DAG(", "no schedule"),
    ("API010", "dags/customer_360_refresh.py", "dag = DAG(", "catchup"),
    ("API011", "dags/ops_metadata_housekeeping.py", "@provide_session", "REST API"),
    ("API011", "dags/ops_metadata_housekeeping.py", "with create_session() as session", "create_session"),
    ("API011", "dags/ops_metadata_housekeeping.py", "session = Session()", "Session"),
    ("API012", "dags/hive_partition_maintenance.py", "airflow tasks clear", "airflow tasks clear"),
    ("API012", "dags/hive_partition_maintenance.py", "airflow dags trigger", "airflow dags trigger"),
    ("API013", "dags/sql/inventory_snapshot.sql", "{{ execution_date }}", "execution_date"),
    ("API013", "dags/sql/inventory_snapshot.sql", "{{ next_ds }}", "next_ds"),
    ("API013", "dags/sql/attribution_touchpoints.sql", "{{ yesterday_ds }}", "yesterday_ds"),
    ("MWA001", "dags/ml_demand_forecast.py", "DockerOperator(", "EcsRunTaskOperator"),
    ("MWA001", "dags/ml_demand_forecast.py", "DockerSwarmOperator(", "Docker daemon"),
    ("MWA002", "dags/ml_demand_forecast.py", "in_cluster=True", "in_cluster=True"),
    ("MWA002", "dags/customer_360_refresh.py", "in_cluster=True", "EKS"),
    ("MWA003", "dags/pos_sales_ingest.py", "SSHOperator(", "etl-gw01.corp.acme.local"),
    ("MWA003", "dags/ops_metadata_housekeeping.py", "127.0.0.1", "the MWAA worker itself"),
    ("MWA003", "dags/ops_metadata_housekeeping.py", "localhost", "the MWAA worker itself"),
    ("MWA003", "dags/hive_partition_maintenance.py", "10.20.30.40", "private IP"),
    ("MWA003", "dags/hive_partition_maintenance.py", "jdbc:hive2://", "hive-srv01"),
    ("MWA004", "dags/pos_sales_ingest.py", "kinit -kt", "kinit"),
    ("MWA004", "dags/pos_sales_ingest.py", '"spark-submit', "spark-submit"),
    ("MWA004", "dags/hive_partition_maintenance.py", '"java -Xmx4g', "java"),
    ("MWA004", "dags/hive_partition_maintenance.py", "/opt/etl/bin/refresh.sh", "where this task is routed"),
    ("MWA004", "dags/hive_partition_maintenance.py", '["beeline"', "beeline"),
    ("MWA005", "dags/pos_sales_ingest.py", 'filepath="/data/landing/pos', "S3KeySensor"),
    ("MWA005", "dags/vendor_returns_report.py", 'open("/home/airflow/keys', "/home/airflow/keys"),
    ("MWA005", "dags/vendor_returns_report.py", "pd.read_csv(\"/data/landing", "store_master.csv"),
    ("MWA005", "dags/supplier_feed_sync.py", "LANDING_ROOT = ", "/data/landing/suppliers"),
    ("MWA005", "plugins/acme/operators/sftp_to_s3.py", 'staging_dir="/data/tmp/sftp_staging"', "/data/tmp"),
    ("MWA006", "dags/supplier_feed_sync.py", 'Variable.get("supplier_api_base")', "var.value.supplier_api_base"),
    ("MWA006", "dags/customer_360_refresh.py", "CRM_IMAGE = Variable.get(", "customer360_image"),
    ("MWA007", "dags/supplier_feed_sync.py", 'BaseHook.get_connection("supplier_hub_api")', "supplier_hub_api"),
    ("MWA007", "dags/supplier_feed_sync.py", "FEEDS = requests.get(", "HTTP request"),
    ("MWA008", "dags/supplier_feed_sync.py", "start_date=datetime.now()", "pendulum.datetime"),
    ("MWA009", "dags/ml_demand_forecast.py", "executor_config=", "CeleryExecutor"),
    ("MWA010", "dags/pos_sales_ingest.py", 'queue="spark"', "'spark'"),
    ("MWA010", "dags/hive_partition_maintenance.py", '"queue": "hadoop"', "'hadoop'"),
    ("MWA011", "dags/warehouse_loads.py", 'pool="warehouse_pool"', "'warehouse_pool'"),
    ("MWA012", "dags/common/alerts.py", "SMTP_PORT = 25", "587"),
    ("MWA013", "dags/scripts/rerun_if_late.sh", "kinit -kt", "kinit"),
    ("MWA013", "dags/scripts/archive_landing.sh", 'ARCHIVE_ROOT="/data/archive/pos"', "/data/archive/pos"),
    ("PY001", "dags/common/legacy_utils.py", "import imp", "importlib"),
    ("PY001", "dags/common/legacy_utils.py", "from distutils.util import strtobool", "3.12"),
    ("PY002", "dags/common/legacy_utils.py", "collections.Mapping", "collections.abc.Mapping"),
    ("PY002", "dags/common/legacy_utils.py", "inspect.getargspec", "inspect.signature"),
]

# Files the example's README calls already fine for MWAA and Airflow 3.
QUIET_FILES = ("dags/finance_gl_export.py", "dags/glue_catalog_refresh.py")


@pytest.fixture(scope="module")
def airflow_3_findings():
    result = scan(EXAMPLE_PROJECT, Settings(select=CODE_FAMILIES), get_version(None), jobs=1)
    return result.all_findings  # what the rules found, the ones folded into another included


@pytest.fixture(scope="module")
def airflow_2_findings():
    result = scan(EXAMPLE_PROJECT, Settings(select=CODE_FAMILIES), get_version("2.11.2"), jobs=1)
    return result.all_findings


def _line(path: str, number: int) -> str:
    lines = (EXAMPLE_PROJECT / path).read_text(encoding="utf-8").split("\n")
    return lines[number - 1] if 0 < number <= len(lines) else ""


@pytest.mark.parametrize(("rule", "path", "line_fragment", "message_fragment"), EXPECTED_ON_AIRFLOW_3,
                         ids=[f"{r}-{p.rsplit('/', 1)[-1]}-{t[:20]}" for r, p, t, _ in EXPECTED_ON_AIRFLOW_3])
def test_expected_finding(airflow_3_findings, rule, path, line_fragment, message_fragment):
    candidates = [f for f in airflow_3_findings if f.rule == rule and f.path == path
                  and line_fragment in _line(path, f.location.line)]
    assert candidates, f"no {rule} on a line of {path} containing {line_fragment!r}"
    assert any(message_fragment in f.message for f in candidates), [f.message for f in candidates]


def test_already_modern_files_are_quiet(airflow_3_findings):
    noisy = [(f.rule, f.path, f.location.line, f.message) for f in airflow_3_findings if f.path in QUIET_FILES]
    assert noisy == []


def test_one_finding_per_rule_and_place(airflow_3_findings):
    places = Counter((f.rule, f.path, f.location.line, f.location.column) for f in airflow_3_findings)
    assert [place for place, count in places.items() if count > 1] == []


def test_every_rule_of_the_code_families_fires_on_the_example(airflow_3_findings):
    from test_example_coverage import NOT_IN_THE_EXAMPLE

    from migrator.rules import all_rules

    code_rules = {r.id for r in all_rules() if r.family in CODE_FAMILIES} - set(NOT_IN_THE_EXAMPLE)
    assert code_rules - {f.rule for f in airflow_3_findings} == set()


def test_airflow_2_target_downgrades_deprecations_to_warnings(airflow_2_findings):
    def severities(rule, path, fragment):
        return {f.severity.label for f in airflow_2_findings
                if f.rule == rule and f.path == path and fragment in _line(path, f.location.line)}

    assert severities("API003", "dags/pos_sales_ingest.py", "schedule_interval=") == {"warning"}
    assert severities("API001", "dags/pos_sales_ingest.py", "import BashOperator") == {"warning"}
    assert severities("API006", "dags/pos_sales_ingest.py", "days_ago(2)") == {"warning"}
    # The plugin-manager import and removed provider classes break on 2.x too.
    assert severities("API001", "dags/vendor_returns_report.py", "import SftpToS3Operator") == {"error"}
    assert severities("API007", "dags/warehouse_loads.py", "MySqlOperator(") == {"error"}
    # Airflow 3-only changes stay quiet on a 2.x target.
    quiet = {"API009", "API010", "API011"}
    assert [f for f in airflow_2_findings if f.rule in quiet] == []
    assert severities("API003", "dags/supplier_feed_sync.py", "fail_stop=") == set()
    assert severities("API002", "dags/pos_sales_ingest.py", "days_ago") == set()


def test_fix_data_matches_the_fix_kinds(airflow_3_findings):
    required = {"replace-import": {"old", "new"}, "rename-argument": {"old", "new"},
                "remove-argument": {"name"}, "replace-call": {"template"},
                "replace-context-key": {"old", "new"}, "remove-decorator": {"name"},
                "replace-class": {"old", "new", "rename_arguments"}, "kubernetes-object": {"new"},
                "replace-value": {"old", "new"}, "drop-dag-from-chain": {"dag"},
                "append-base": {"name", "bases"}, "pod-to-eks": {"old", "drop", "rename"}}
    kinds = Counter()
    for finding in airflow_3_findings:
        if finding.fix is None:
            continue
        params = finding.fix.params
        kinds[params["kind"]] += 1
        assert required[params["kind"]] <= set(params), (finding.rule, params)
    assert set(kinds) == set(required)


@pytest.mark.parametrize("target", [v.airflow for v in supported_versions()])
def test_no_rule_or_analysis_crashes_on_the_example_on_any_target(target):
    # Each target reads its own data (signatures, inventories, runtime pins): a file missing for
    # one target crashes rules there only.
    result = scan(EXAMPLE_PROJECT, Settings(), get_version(target), jobs=1)
    assert [f.message for f in result.findings if f.rule in ("MIG005", "MIG006")] == []
