"""
Customer 360 refresh (legacy, runs on the 1.10 VMs).

Rebuilds the loyalty-member profile table (purchases, returns, e-mail
engagement, store affinity) with the identity-resolution job the CRM team
ships as a container image. The job runs as a pod on the on-prem OpenShift
cluster; the Airflow workers sit inside that cluster, so we use in-cluster
auth and no kube config.

Written in 2019 from the 1.10 "example_kubernetes_operator" DAG, hence the
``import airflow`` style.
"""
from datetime import timedelta

import airflow
import airflow.contrib.hooks.aws_hook
import airflow.contrib.operators.kubernetes_pod_operator
import airflow.operators.python_operator
from airflow import DAG
from airflow.models import Variable

# The CRM team bumps the tag through the Airflow UI (Admin -> Variables).
CRM_IMAGE = Variable.get(
    "customer360_image", default_var="registry.corp.acme.local/crm/identity-resolution:1.14.2"
)
NAMESPACE = "data-jobs"
PROFILE_BUCKET = "acme-crm-profiles"

args = {
    "owner": "crm-analytics",
    "start_date": airflow.utils.dates.days_ago(1),
    "retries": 1,
    "retry_delay": timedelta(minutes=20),
}

dag = DAG(
    dag_id="customer_360_refresh",
    default_args=args,
    schedule_interval="0 4 * * *",
    dagrun_timeout=timedelta(hours=6),
    tags=["crm", "loyalty", "legacy"],
)

resolve_identities = airflow.contrib.operators.kubernetes_pod_operator.KubernetesPodOperator(
    task_id="resolve_identities",
    name="identity-resolution",
    namespace=NAMESPACE,
    image=CRM_IMAGE,
    cmds=["python", "-m", "identity_resolution.run"],
    arguments=[
        "--snapshot-ts={{ execution_date.isoformat() }}",
        "--since={{ prev_ds }}",
        "--dwh-host=dwh-pg01.corp.acme.local",
    ],
    in_cluster=True,
    get_logs=True,
    is_delete_operator_pod=True,
    resources={"request_memory": "8Gi", "request_cpu": "2", "limit_memory": "12Gi"},
    env_vars={"DWH_SCHEMA": "crm", "LOG_LEVEL": "INFO"},
    dag=dag,
)


def publish_profile_counts(**context):
    """Write the member/household counts the CRM dashboard shows to S3."""
    ti = context["ti"]
    counts = ti.xcom_pull(task_ids="resolve_identities") or {}
    hook = airflow.contrib.hooks.aws_hook.AwsHook(aws_conn_id="aws_default")
    s3 = hook.get_client_type("s3")
    key = "counts/{}.json".format(context["ds"])
    s3.put_object(
        Bucket=PROFILE_BUCKET,
        Key=key,
        Body=str(counts).encode("utf-8"),
        ServerSideEncryption="aws:kms",
    )
    return "s3://{}/{}".format(PROFILE_BUCKET, key)


publish_counts = airflow.operators.python_operator.PythonOperator(
    task_id="publish_profile_counts",
    python_callable=publish_profile_counts,
    provide_context=True,
    dag=dag,
)

resolve_identities >> publish_counts
