"""
Vendor returns (RMA) report (legacy, runs on the 1.10 VMs).

Each morning the returns-logistics vendor drops yesterday's RMA file on their
SFTP server. We copy it to S3 (raw zone), parse it with the vendor's own
parser, join it with our store master and mail the merchandising team a CSV
of returns by supplier.

The SftpToS3Operator comes from plugins/acme_plugin.py, imported the 1.10 way.
The fiscal-week helper is imported through the checkout root (``plugins.``),
which works because the VMs' systemd units put $AIRFLOW_HOME on PYTHONPATH.
"""
import json
from datetime import timedelta

import airflow.operators.bash_operator as bo
import pandas as pd
from airflow import DAG
from airflow.hooks.S3_hook import S3Hook
from airflow.models import Variable
from airflow.operators.acme_plugin import SftpToS3Operator
from airflow.operators.email_operator import EmailOperator
from airflow.operators.python_operator import PythonOperator
from airflow.utils.dates import days_ago

from common.legacy_utils import load_vendor_parser, merge_settings
from plugins.acme.macros import fiscal_week

REPORT_DIR = "/data/reports/vendor_returns"

DEFAULT_REPORT_SETTINGS = {"currency": "USD", "columns": {"sku": True, "reason": True}}

default_args = {
    "owner": "merch-analytics",
    "start_date": days_ago(3),
    "retries": 3,
    "retry_delay": timedelta(minutes=30),
    "email": ["merch-analytics@acme-retail.example"],
}

dag = DAG(
    "vendor_returns_report",
    default_args=default_args,
    schedule_interval="0 9 * * 1-6",
    catchup=False,
    tags=["returns", "merchandising", "legacy"],
)

fetch_rma_file = SftpToS3Operator(
    task_id="fetch_rma_file",
    sftp_conn_id="returns_vendor_sftp",
    remote_path="/outbound/rma/RMA_{{ ds_nodash }}.txt",
    s3_bucket="{{ var.value.landing_bucket }}",
    s3_key="returns/rma/{{ ds }}/RMA_{{ ds_nodash }}.txt",
    dag=dag,
)


def build_returns_report(**kwargs):
    """Parse the vendor file and write the per-supplier summary CSV."""
    execution_date = kwargs["execution_date"]
    previous_ds = kwargs.get("prev_ds")
    ds = execution_date.strftime("%Y-%m-%d")

    with open("/home/airflow/keys/returns_vendor_portal.json") as fh:
        portal = json.load(fh)
    settings = merge_settings(DEFAULT_REPORT_SETTINGS, portal.get("report_settings", {}))

    s3 = S3Hook(aws_conn_id="aws_default")
    key = "returns/rma/{}/RMA_{}.txt".format(ds, execution_date.strftime("%Y%m%d"))
    raw = s3.read_key(key, Variable.get("landing_bucket"))
    parser = load_vendor_parser("reverselogix")
    returns = pd.DataFrame(parser.parse(raw))

    stores = pd.read_csv("/data/landing/reference/store_master.csv", dtype={"store_id": str})
    report = (
        returns.merge(stores, on="store_id", how="left")
        .groupby(["supplier_id", "supplier_name", "region"], as_index=False)
        .agg(units=("qty", "sum"), value=("refund_amount", "sum"))
    )
    report["previous_run"] = previous_ds
    report["fiscal_week"] = fiscal_week(ds)
    report["currency"] = settings["currency"]
    out = "{}/vendor_returns_{}.csv".format(REPORT_DIR, ds.replace("-", ""))
    report.to_csv(out, index=False)
    # Finance wants a workbook too: the on-prem worker image has the Excel writer baked in.
    import xlsxwriter  # noqa: F401  (pandas' engine)

    report.to_excel(out.replace(".csv", ".xlsx"), engine="xlsxwriter", index=False)
    return out


build_report = PythonOperator(
    task_id="build_returns_report",
    python_callable=build_returns_report,
    provide_context=True,
    dag=dag,
)

mail_report = EmailOperator(
    task_id="mail_report",
    # Comma-separated; merchandising ops edit it in Admin -> Variables.
    to="{{ var.value.vendor_returns_recipients }}",
    subject="Vendor returns {{ ds }}",
    html_content="Returns by supplier for {{ ds }} are attached. Questions: #merch-analytics.",
    files=["/data/reports/vendor_returns/vendor_returns_{{ ds_nodash }}.csv"],
    dag=dag,
)

# The report share fills up; keep 60 days locally (S3 has the raw files).
prune_old_reports = bo.BashOperator(
    task_id="prune_old_reports",
    bash_command="find /data/reports/vendor_returns -name '*.csv' -mtime +60 -delete",
    dag=dag,
)

# Written for 1.10, where a chain starting at the DAG assigned it to the first task.
dag >> fetch_rma_file >> build_report >> mail_report >> prune_old_reports
