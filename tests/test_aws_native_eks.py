"""KubernetesPodOperator / GKEStartPodOperator -> EksPodOperator (``migrator.aws_native.eks_pod_task``,
codemod ``pod-to-eks``, rule MWA002's unsafe fix for the pods ECS has no place for): before/after per
shape, what stays and why, the provider the rewritten file needs, and the access the generated
infrastructure grants on the cluster."""

from __future__ import annotations

import yaml
from cfnlint.api import lint
from migrator.compat import get_version
from test_aws_native import code, fixed_project
from test_infra import RECOMMENDATION, eks_spec, modules

from migrator.aws_native import EksPodTask, NotRewritable, eks_pod_task, eks_pod_tasks
from migrator.config import load_settings
from migrator.fix import plan_fixes
from migrator.infra import infra_files
from migrator.infra.model import BundleFacts, build_environment
from migrator.infra.usage import AwsUsage

TARGET = "3.3.1"
IMPORT = "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n"
EKS_IMPORT = "from airflow.providers.amazon.aws.operators.eks import EksPodOperator\n"
CLUSTER = 'cluster_name="{{ var.value.eks_cluster_name }}"'


def fixed(make_project, text: str, files: dict[str, str] | None = None):
    """The DAG file after ``fix --unsafe``, the plan, and the project's root."""
    root, after, plan = fixed_project(make_project, text, files, TARGET)
    return after, plan, root


def test_a_pod_with_volumes_and_secrets_runs_as_written_on_eks(make_project):
    after, plan, _ = fixed(make_project, IMPORT + code('''
        from airflow.providers.cncf.kubernetes.secret import Secret
        from kubernetes.client import models as k8s

        # trains on the shared volume
        train = KubernetesPodOperator(
            task_id="train",
            name="train",  # the pod's name
            namespace="ml",
            image="ghcr.io/acme/train:3",
            secrets=[Secret("env", "DB_URL", "db", "url")],
            volumes=[k8s.V1Volume(name="data", empty_dir=k8s.V1EmptyDirVolumeSource())],
            volume_mounts=[k8s.V1VolumeMount(name="data", mount_path="/data")],
            in_cluster=True,
            config_file="/home/airflow/.kube/config",
            cluster_context="onprem",
            get_logs=True,
        )
        train >> other
    '''))
    assert after == code('''
        from airflow.providers.cncf.kubernetes.secret import Secret
        from kubernetes.client import models as k8s
        from airflow.providers.amazon.aws.operators.eks import EksPodOperator

        # trains on the shared volume
        train = EksPodOperator(
            task_id="train",
            cluster_name="{{ var.value.eks_cluster_name }}",
            pod_name="train",  # the pod's name
            namespace="ml",
            image="ghcr.io/acme/train:3",
            secrets=[Secret("env", "DB_URL", "db", "url")],
            volumes=[k8s.V1Volume(name="data", empty_dir=k8s.V1EmptyDirVolumeSource())],
            volume_mounts=[k8s.V1VolumeMount(name="data", mount_path="/data")],
            get_logs=True,
        )
        train >> other
    ''')
    assert plan.fixed.get("MWA002") == 1


def test_a_gke_pod_loses_its_google_coordinates_and_names_the_eks_cluster(make_project):
    after, _, _ = fixed(make_project, code('''
        from airflow.providers.google.cloud.operators.kubernetes_engine import GKEStartPodOperator

        t = GKEStartPodOperator(task_id="t", project_id="p", location="europe-west1", cluster_name="batch",
                                name="t", image="gcr.io/p/etl:{{ ds_nodash }}", gcp_conn_id="gcp")
    '''))
    assert after == EKS_IMPORT + "\n" + f't = EksPodOperator(task_id="t", {CLUSTER}, pod_name="t", ' \
                                       'image="gcr.io/p/etl:{{ ds_nodash }}")\n'


def test_without_a_task_id_keyword_the_cluster_comes_first(make_project):
    after, _, _ = fixed(make_project, IMPORT + 'ARGS = dict(task_id="t")\n'
                        't = KubernetesPodOperator(image="acme/etl", affinity={}, task_id=ARGS["task_id"])\n')
    assert f't = EksPodOperator(image="acme/etl", affinity={{}}, task_id=ARGS["task_id"], {CLUSTER})' in after


def test_a_call_that_hides_its_arguments_stays_with_the_reason(make_project):
    source = IMPORT + 'EXTRA = {}\na = KubernetesPodOperator(task_id="a", image="acme/etl", affinity={}, **EXTRA)\n'
    after, plan, _ = fixed(make_project, source)
    assert after == source
    [left] = [f for f in plan.remaining if f.rule == "MWA002"]
    assert left.message.endswith("not to EksPodOperator either: the call passes positional arguments or **kwargs, "
                                 "which hide whether it sets name or config_file, which EksPodOperator takes "
                                 "differently.")


def test_the_rewrite_is_idempotent_and_asks_for_the_kubernetes_provider(make_project):
    source = IMPORT + 't = KubernetesPodOperator(task_id="t", image="acme/etl", node_selector={"pool": "a"})\n'
    after, _, root = fixed(make_project, source, {"requirements.txt": "pandas==2.3.3\n"})
    assert after.startswith(EKS_IMPORT) and 'pod_name' not in after
    assert "apache-airflow-providers-cncf-kubernetes" in (root / "requirements.txt").read_text()
    again = plan_fixes(root, load_settings(root), get_version(TARGET), unsafe=True, jobs=1, use_cache=False)
    assert "dags/d.py" not in again.files and not [f for f in again.remaining if f.rule == "MWA002"]


def test_eks_tasks_are_the_eksPodOperator_calls_and_the_pods_ecs_has_no_place_for(tmp_path):
    found = eks_pod_tasks(modules(tmp_path, {
        "dags/a.py": EKS_IMPORT + 'EksPodOperator(task_id="a", cluster_name="c", namespace="etl", image="i")\n',
        "dags/b.py": IMPORT + code('''
            KubernetesPodOperator(task_id="b", image="i", affinity={})
            KubernetesPodOperator(task_id="ecs", image="i")
            KubernetesPodOperator(task_id="c", image="i", affinity={}, namespace="{{ params.ns }}")
        '''),
    }), get_version(TARGET))
    assert [(t.path, t.task_id, t.namespace) for t in found] == [
        ("dags/a.py", "a", "etl"), ("dags/b.py", "b", "default"), ("dags/b.py", "c", None)]


def test_a_single_call_reports_what_it_drops_and_renames(tmp_path):
    [module] = modules(tmp_path, {"dags/a.py": IMPORT + 'KubernetesPodOperator(task_id="a", name="a", image="i", '
                                                         'in_cluster=True, kubernetes_conn_id="k8s")\n'})
    [task] = module.tasks
    on_eks = eks_pod_task(module, task.node)
    assert isinstance(on_eks, EksPodTask)
    assert (on_eks.dropped, on_eks.renamed, on_eks.namespace) == (
        ("in_cluster", "kubernetes_conn_id"), (("name", "pod_name"),), "default")
    [module] = modules(tmp_path, {"dags/a.py": IMPORT + 'KubernetesPodOperator("ns", "i", "a", task_id="a")\n'})
    assert isinstance(eks_pod_task(module, module.tasks[0].node), NotRewritable)


def test_the_execution_role_may_describe_only_the_named_cluster_and_enter_only_the_tasks_namespaces():
    spec = eks_spec()
    files = infra_files(spec)
    template = yaml.safe_load(files["cloudformation.yaml"])
    assert [str(m) for m in lint(files["cloudformation.yaml"])] == []
    [describe] = [s for s in template["Resources"]["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]
                  ["Statement"] if s["Sid"] == "EksDescribeCluster"]
    assert describe["Action"] == ["eks:DescribeCluster"] and describe["Resource"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:eks:${AWS::Region}:${AWS::AccountId}:cluster/${EksClusterName}"}]
    entry = template["Resources"]["EksAccessEntry"]["Properties"]
    assert entry["ClusterName"] == {"Ref": "EksClusterName"}
    assert entry["PrincipalArn"] == {"Fn::GetAtt": ["ExecutionRole", "Arn"]}
    assert entry["AccessPolicies"] == [{
        "PolicyArn": {"Fn::Sub": "arn:${AWS::Partition}:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"},
        "AccessScope": {"Type": "namespace", "Namespaces": ["default", "ml"]}}]
    assert template["Outputs"]["EksClusterName"]["Value"] == {"Ref": "EksClusterName"}
    # the templated namespace is left to a human, by file
    assert any("namespace is computed or templated" in n and "dags/ad_hoc.py" in n for n in spec.notes)
    main_tf = files["terraform/main.tf"]
    assert 'resource "aws_eks_access_entry" "execution"' in main_tf
    assert 'namespaces = ["default", "ml"]' in main_tf
    assert "cluster/${var.eks_cluster_name}" in main_tf
    assert 'variable "eks_cluster_name"' in files["terraform/variables.tf"]


def test_without_eks_pod_tasks_there_is_no_cluster_parameter(tmp_path):
    spec = build_environment("acme", get_version(TARGET), RECOMMENDATION, BundleFacts({}, frozenset()), AwsUsage())
    files = infra_files(spec)
    assert "EksClusterName" not in files["cloudformation.yaml"] and "eks" not in files["terraform/variables.tf"]
