"""
Store x SKU demand forecast (Airflow 2 stack).

Feature build runs in the ML team's container on the Airflow host's Docker
daemon (it needs the local feature cache on /data/ml), training fans out on
the GPU swarm, scoring runs as a pod on the OpenShift cluster the workers
live in. The forecast lands in the DWH for the replenishment engine.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from airflow.providers.docker.operators.docker import DockerOperator
from airflow.providers.docker.operators.docker_swarm import DockerSwarmOperator
from airflow.utils.task_group import TaskGroup
from docker.types import Mount
from kubernetes.client import models as k8s

ML_REGISTRY = "registry.corp.acme.local/ml"
MODEL_VERSION = "demand-v7"

default_args = {
    "owner": "ml-platform",
    "retries": 1,
    "retry_delay": timedelta(minutes=10),
}

with DAG(
    dag_id="ml_demand_forecast",
    default_args=default_args,
    start_date=datetime(2023, 3, 1),
    schedule_interval=timedelta(hours=6),
    catchup=False,
    max_active_runs=1,
    tags=["ml", "forecast", "replenishment"],
) as dag:

    build_features = DockerOperator(
        task_id="build_features",
        image=f"{ML_REGISTRY}/demand-features:2.3.0",
        command="python -m features.build --window-start {{ data_interval_start }} --window-end {{ data_interval_end }}",
        docker_url="unix://var/run/docker.sock",
        network_mode="host",
        auto_remove="success",
        mount_tmp_dir=False,
        mounts=[
            Mount(source="/data/ml/feature-cache", target="/cache", type="bind"),
            Mount(source="/home/airflow/keys/mlflow", target="/secrets", type="bind", read_only=True),
        ],
        environment={
            # MLflow runs next to Airflow in the same compose project.
            "MLFLOW_TRACKING_URI": "http://host.docker.internal:5000",
            "FEATURE_CACHE": "/cache",
        },
    )

    train_models = DockerSwarmOperator(
        task_id="train_models",
        image=f"{ML_REGISTRY}/demand-train:{MODEL_VERSION}",
        docker_url="tcp://gpu-swarm01.corp.acme.local:2376",
        tls_ca_cert="/home/airflow/keys/swarm/ca.pem",
        tls_client_cert="/home/airflow/keys/swarm/cert.pem",
        tls_client_key="/home/airflow/keys/swarm/key.pem",
        command="python -m train --model {} --as-of {{{{ ds }}}}".format(MODEL_VERSION),
        enable_logging=True,
        auto_remove="success",
    )

    score_stores = KubernetesPodOperator(
        task_id="score_stores",
        name="demand-score",
        namespace="ml-batch",
        image=f"{ML_REGISTRY}/demand-score:{MODEL_VERSION}",
        cmds=["python", "-m", "score"],
        arguments=["--as-of", "{{ ds }}", "--output", "postgresql://dwh-pg01.corp.acme.local/dwh"],
        in_cluster=True,
        service_account_name="airflow-ml",
        container_resources=k8s.V1ResourceRequirements(
            requests={"cpu": "4", "memory": "16Gi"},
            limits={"memory": "24Gi"},
        ),
        get_logs=True,
        on_finish_action="delete_succeeded_pod",
    )

    def _publish_forecast(ds, **_):
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        hook = PostgresHook(postgres_conn_id="acme_dwh_postgres")
        hook.run("CALL forecast.publish_demand(%s, %s)", parameters=(ds, MODEL_VERSION))

    publish_forecast = PythonOperator(
        task_id="publish_forecast",
        python_callable=_publish_forecast,
        # We are piloting CeleryKubernetesExecutor; this task gets a bigger pod.
        executor_config={
            "pod_override": k8s.V1Pod(
                spec=k8s.V1PodSpec(
                    containers=[
                        k8s.V1Container(
                            name="base",
                            resources=k8s.V1ResourceRequirements(requests={"memory": "2Gi"}),
                        )
                    ],
                    node_selector={"acme.local/pool": "etl"},
                )
            )
        },
    )

    def _check_forecast(ds, **_):
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        hook = PostgresHook(postgres_conn_id="acme_dwh_postgres")
        hook.run("CALL forecast.check_demand(%s, %s)", parameters=(ds, MODEL_VERSION))

    # The replenishment dashboards key on the bare task ids, so the group does not prefix them.
    with TaskGroup(group_id="quality-gates-v7.1", prefix_group_id=False) as quality_gates:
        PythonOperator(task_id="check_forecast", python_callable=_check_forecast)

    build_features >> train_models >> score_stores >> publish_forecast >> quality_gates
