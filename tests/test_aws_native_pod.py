"""KubernetesPodOperator / GKEStartPodOperator -> EcsRunTaskOperator (``migrator.aws_native.pod_task``,
codemod ``pod-to-ecs``, rule MWA002's unsafe fix): before/after per pod-spec shape, why the other
shapes have no place on ECS (they go to EKS: tests/test_aws_native_eks.py), and the container task
specs the infrastructure generator reads."""

from __future__ import annotations

import pytest
from migrator.compat import get_version
from test_aws_native import code
from test_aws_native import fixed as fix_dag

from migrator.analysis.python import ModuleFacts
from migrator.aws_native import NotRewritable, pod_task, project_container_tasks, task_definitions
from migrator.config import load_settings
from migrator.engine import scan
from migrator.workspace import discover

TARGET = "3.3.1"
IMPORT = "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"
K8S_IMPORT = "from kubernetes.client import models as k8s\n"
ECS_IMPORT = "from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator\n"
NETWORK = ('network_configuration={"awsvpcConfiguration": {"subnets": ["{{ var.value.ecs_subnet_1 }}", '
           '"{{ var.value.ecs_subnet_2 }}"], "securityGroups": ["{{ var.value.ecs_security_group }}"], '
           '"assignPublicIp": "DISABLED"}}')


def fixed(make_project, text: str, target: str = TARGET, **scope) -> tuple[str, list]:
    """The DAG file after the fix with ``scope`` (default ``--unsafe``), and MWA002's findings left."""
    return fix_dag(make_project, text, target, rule="MWA002", **scope)


def test_a_full_pod_spec_becomes_an_ecs_task_and_the_kubernetes_imports_go(make_project):
    after, left = fixed(make_project, IMPORT + K8S_IMPORT + code('''

        score = KubernetesPodOperator(
            task_id="score",
            name="score",
            namespace="ml",
            image="ghcr.io/acme/ml/score:7",  # the model
            cmds=["python", "-m", "score"],
            arguments=["--day", "{{ ds }}"],
            env_vars=[k8s.V1EnvVar(name="STAGE", value="prod"), k8s.V1EnvVar(name="RUN", value="{{ run_id }}")],
            container_resources=k8s.V1ResourceRequirements(requests={"cpu": "500m", "memory": "1Gi"},
                                                             limits={"memory": "3Gi"}),
            in_cluster=True,
            get_logs=True,
            is_delete_operator_pod=True,
            image_pull_policy="Always",
            retries=2,
        )
    '''))
    assert after == ECS_IMPORT + "\n" + code('''
        score = EcsRunTaskOperator(
            task_id="score",
            cluster="airflow-tasks",
            task_definition="acme-ml-score-7",  # the model
            launch_type="FARGATE",
            overrides={
                "containerOverrides": [
                    {
                        "name": "acme-ml-score-7",
                        "command": ["python", "-m", "score", "--day", "{{ ds }}"],
                        "environment": [
                            {"name": "STAGE", "value": "prod"},
                            {"name": "RUN", "value": "{{ run_id }}"},
                        ],
                    },
                ],
                "cpu": "512",
                "memory": "3072",
            },
            network_configuration={
                "awsvpcConfiguration": {
                    "subnets": ["{{ var.value.ecs_subnet_1 }}", "{{ var.value.ecs_subnet_2 }}"],
                    "securityGroups": ["{{ var.value.ecs_security_group }}"],
                    "assignPublicIp": "DISABLED",
                },
            },
            awslogs_group="/ecs/acme-ml-score-7",
            awslogs_stream_prefix="ecs/acme-ml-score-7",
            retries=2,
        )
    ''')
    assert left == []


def test_env_vars_named_dict_and_command_lists_named_elsewhere(make_project):
    after, _ = fixed(make_project, IMPORT + code('''
        ENV = {"STAGE": "prod"}
        STEPS = ["extract", "load"]
        t = KubernetesPodOperator(task_id="t", name="t", image="acme/load", arguments=STEPS, env_vars=ENV)
    '''))
    assert ('t = EcsRunTaskOperator(task_id="t", cluster="airflow-tasks", task_definition="acme-load", '
            'launch_type="FARGATE", overrides={"containerOverrides": [{"name": "acme-load", "command": [*STEPS], '
            '"environment": [{"name": name, "value": value} for name, value in ENV.items()]}]}, '
            + NETWORK + ', awslogs_group="/ecs/acme-load", awslogs_stream_prefix="ecs/acme-load")\n') in after


def test_the_kubernetes_import_stays_while_another_use_needs_it(make_project):
    after, left = fixed(make_project, IMPORT + K8S_IMPORT + code('''
        a = KubernetesPodOperator(task_id="a", image="acme/a", env_vars=[k8s.V1EnvVar(name="A", value="1")])
        b = KubernetesPodOperator(task_id="b", image="acme/b", volumes=[k8s.V1Volume(name="data")])
    '''))
    # b runs on EKS with its volume: the Kubernetes models stay imported, the pod operator goes
    assert after.startswith(K8S_IMPORT) and "a = EcsRunTaskOperator(" in after and "b = EksPodOperator(" in after
    assert '"environment": [{"name": "A", "value": "1"}]' in after and 'volumes=[k8s.V1Volume(name="data")]' in after
    assert left == []


def test_gke_pod_and_the_provider_resources_dict(make_project):
    after, _ = fixed(make_project, code('''
        from airflow.providers.google.cloud.operators.kubernetes_engine import GKEStartPodOperator

        t = GKEStartPodOperator(task_id="t", project_id="p", location="europe-west1", cluster_name="c",
                                name="t", namespace="default", image="gcr.io/p/etl:2", cmds=["run"],
                                resources={"request_cpu": "1", "limit_memory": "2G", "limit_gpu": None})
    '''))
    assert after.startswith(ECS_IMPORT)
    # 1 core and 2 GB (decimal): 1024 CPU units and the 2048 MiB above 1908 MiB.
    assert ('overrides={"containerOverrides": [{"name": "p-etl-2", "command": ["run"]}], "cpu": "1024", '
            '"memory": "2048"}') in after
    assert "project_id" not in after and "resources=" not in after


def test_the_1_10_contrib_path_is_rewritten_on_2_x(make_project):
    after, _ = fixed(make_project, code('''
        from airflow.contrib.operators.kubernetes_pod_operator import KubernetesPodOperator

        t = KubernetesPodOperator(task_id="t", name="t", namespace="default", image="acme/etl", cmds=["run"])
    '''), target="2.11.2")
    assert after.startswith(ECS_IMPORT) and 'task_definition="acme-etl"' in after


@pytest.mark.parametrize(("arguments", "reason"), [
    ('volumes=[k8s.V1Volume(name="d")], volume_mounts=[]', "efsVolumeConfiguration"),
    ('secrets=[Secret("env", "TOKEN", "api")]', "container secrets (valueFrom)"),
    ('node_selector={"pool": "gpu"}', "there are no nodes to select"),
    ('service_account_name="etl"', "taskRoleArn"),
    ('init_containers=[k8s.V1Container(name="i")]', "dependsOn"),
    ('pod_template_file="/opt/pod.yaml"', "template the rewrite does not read"),
    ('do_xcom_push=True', "/airflow/xcom/return.json"),
    ('cmds="run"', "cmds is not a list"),
    ('env_vars=[k8s.V1EnvVar(name="A", value_from=k8s.V1EnvVarSource())]', "task definition's secrets"),
    ('container_resources=k8s.V1ResourceRequirements(limits={"nvidia.com/gpu": "1"})', "no Fargate equivalent"),
    ('container_resources=k8s.V1ResourceRequirements(limits={"memory": "200Gi"})', "larger than any Fargate"),
    ('resources=POD_RESOURCES', "of literal quantities"),
    ('image="acme/etl:{{ params.tag }}"', "the image is not a literal string"),
    ("image=IMAGE", "the image is not a literal string"),
])
def test_shapes_with_no_place_on_ecs_say_why_and_run_as_written_on_eks(make_project, arguments, reason):
    image = "" if arguments.startswith("image=") else 'image="acme/etl", '
    source = IMPORT + K8S_IMPORT + "from airflow.providers.cncf.kubernetes.secret import Secret\n" + code(f'''
        POD_RESOURCES = make_resources()
        IMAGE = pick()
        t = KubernetesPodOperator(task_id="t", {image}{arguments})
    ''')
    root = make_project({"dags/d.py": source})
    module = ModuleFacts.from_file(root, root / "dags" / "d.py", "d")
    [task] = module.tasks
    not_ecs = pod_task(module, task.node, get_version(TARGET))
    assert isinstance(not_ecs, NotRewritable) and reason in not_ecs.reason
    after, left = fixed(make_project, source)
    assert left == [] and f'EksPodOperator(task_id="t", cluster_name="{{{{ var.value.eks_cluster_name }}}}", ' \
                          f"{image}{arguments})" in after


def test_kwargs_hide_what_the_call_sets_so_it_stays(make_project):
    source = IMPORT + 'EXTRA = {}\nt = KubernetesPodOperator(task_id="t", image="acme/etl", **EXTRA)\n'
    after, [left] = fixed(make_project, source)
    assert after == source and "Not rewritten to EcsRunTaskOperator automatically" in left.message
    assert "not to EksPodOperator either" in left.message


def test_the_finding_keeps_its_fingerprint_whichever_rewrite_it_offers(make_project):
    prints = []
    for extra in ("retries=1", "affinity={}"):  # ECS, then EKS
        root = make_project({"dags/d.py": IMPORT + code(f'''
            t = KubernetesPodOperator(
                task_id="t", image="acme/etl",
                in_cluster=True,
                {extra},
            )
        ''')})
        [finding] = [f for f in scan(root, load_settings(root), get_version(TARGET)).findings if f.rule == "MWA002"]
        prints.append((finding.fingerprint, finding.fix.params["kind"]))
    assert prints[0][0] == prints[1][0] and [kind for _, kind in prints] == ["pod-to-ecs", "pod-to-eks"]


def test_pod_tasks_are_container_tasks_sharing_a_task_definition_with_docker_tasks(make_project):
    root = make_project({
        "dags/a.py": "from airflow import DAG\n" + IMPORT + K8S_IMPORT + code('''
            x = KubernetesPodOperator(task_id="x", image="ghcr.io/acme/etl:3", cmds=["run"], env_vars={"A": "1"},
                                      container_resources=k8s.V1ResourceRequirements(requests={"cpu": "2"}))
            y = KubernetesPodOperator(task_id="y", image="ghcr.io/acme/etl:3", affinity={})
        '''),
        "dags/b.py": code('''
            from airflow import DAG
            from airflow.providers.docker.operators.docker import DockerOperator

            z = DockerOperator(task_id="z", image="ghcr.io/acme/etl:3", mem_limit="8g")
        '''),
    })
    tasks = project_container_tasks(discover(root, load_settings(root)), get_version(TARGET))
    assert sorted((t.path, t.task_id, t.family, t.environment_keys, t.size, t.dropped) for t in tasks) == [
        ("dags/a.py", "x", "acme-etl-3", ("A",), (2048, 4096), ()),
        ("dags/b.py", "z", "acme-etl-3", (), (1024, 8192), ()),
    ]
    assert [(d.family, d.cpu, d.memory, d.dag_files) for d in task_definitions(tasks)] == [
        ("acme-etl-3", 2048, 8192, ("dags/a.py", "dags/b.py")),
    ]


def test_the_fix_says_cmds_do_not_replace_the_images_entrypoint_on_ecs(make_project):
    root = make_project({"dags/d.py": IMPORT + code('''
        a = KubernetesPodOperator(task_id="a", image="acme/etl", cmds=["run"])
        b = KubernetesPodOperator(task_id="b", image="acme/etl", arguments=["run"])
    ''')})
    findings = [f for f in scan(root, load_settings(root), get_version(TARGET)).findings if f.rule == "MWA002"]
    assert [("ENTRYPOINT" in f.fix.description, f.fix.safety.value) for f in findings] == [
        (True, "unsafe"), (False, "unsafe")]
