"""MWA002: Pod operators need an EKS cluster and a kube config shipped with the DAGs"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator import aws_native, compat
from migrator.analysis.python import ModuleFacts
from migrator.analysis.strings import is_under, static_string
from migrator.compat import pod_to_ecs, pod_to_eks
from migrator.findings import Finding, Fix, FixSafety, Severity
from migrator.fixes import PodToEcs, PodToEks
from migrator.rules._common import short_name
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid
from migrator.rules.mwa._helpers import (
    _class_node,
    _ecs_fix,
    _keyword,
    _rewrite_finding,
    _subclass_tasks,
    _task_kind,
    _task_limit,
)


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


class KubernetesPodOperatorRule(PythonRule):
    """
    ## What it does
    Reports tasks that start Kubernetes pods (`KubernetesPodOperator`, `GKEStartPodOperator`,
    `KubernetesJobOperator`, `SparkKubernetesOperator`, `@task.kubernetes`). With
    `in_cluster=True`, or a kube config outside the DAG folder, the finding is an error.

    ## Why it matters on MWAA
    On-prem workers often run inside the cluster (in-cluster auth) or have a kube config in the
    home directory. MWAA workers are outside any cluster: the task needs an EKS cluster in the
    environment's VPC, the execution role mapped into it, and a `kube_config.yaml` shipped in the
    DAG folder. `in_cluster=True` can never work there.

    ## Example
    ```python
    KubernetesPodOperator(task_id="score", image="ml/score:7", in_cluster=True)
    ```

    ## Fix
    Create (or reuse) an EKS cluster, map the MWAA execution role into it, generate
    `kube_config.yaml` with `aws eks update-kubeconfig --alias aws`, put it in the DAG folder and
    pass `config_file="/usr/local/airflow/dags/kube_config.yaml", in_cluster=False,
    cluster_context="aws"`. Add `apache-airflow-providers-cncf-kubernetes` to requirements.txt.
    Or use `EksPodOperator`. Tasks of the project's own subclasses of these operators (defined in a
    helper module) are reported where they are created.

    `migrator fix --unsafe` (and `migrate --aws-native`) rewrites a `KubernetesPodOperator` or
    `GKEStartPodOperator` whose pod is one container with a literal image to
    `EcsRunTaskOperator` on ECS Fargate, as MWA001 rewrites a `DockerOperator`: `cmds` then
    `arguments` become the command (which does not replace the image's ENTRYPOINT on ECS),
    `env_vars` (a dict, or `V1EnvVar(name=, value=)` entries) the environment, literal CPU and
    memory requests or limits the Fargate size; cluster and client settings (`namespace`,
    `in_cluster`, `config_file`, `get_logs`, ...) are dropped. A pod with volumes, Kubernetes
    secrets, node placement, a service account, init containers or a pod template has no place
    on ECS; it runs as written on an EKS cluster instead: the fix rewrites it to `EksPodOperator`
    (`name` becomes `pod_name`, the on-prem client settings and GKE coordinates go, `cluster_name`
    reads the Airflow Variable `eks_cluster_name`), and `migrator infra` grants the execution role
    the cluster's access entry (see docs/aws-native.md).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-eks-example.html
    """

    id = "MWA002"
    name = "kubernetes-pod-operator"
    severity = Severity.WARNING
    fix_safety = FixSafety.UNSAFE
    summary = "Pod operators need an EKS cluster and a kube config shipped with the DAGs"
    valid = (
        Valid("""
            from airflow.providers.amazon.aws.operators.eks import EksPodOperator

            EksPodOperator(task_id="score", cluster_name="ml", pod_name="score", image="ml/score:7")
        """),
        Valid("""
            from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

            KubernetesPodOperator(task_id="score", image="ml/score:7", in_cluster=False,
                                  config_file="/usr/local/airflow/dags/kube_config.yaml",
                                  cluster_context="aws")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

            KubernetesPodOperator(task_id="score", image="ml/score:7", in_cluster=True)
        """, line=3, contains="in_cluster=True"),
        Invalid("""
            import airflow

            airflow.contrib.operators.kubernetes_pod_operator.KubernetesPodOperator(task_id="x", image="a")
        """, line=3, contains="kube_config.yaml"),
        Invalid("""
            from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator as KPO

            KPO(task_id="x", image="a", config_file="/home/airflow/.kube/config")
        """, line=3, contains="/home/airflow/.kube/config"),
        Invalid("""
            from airflow.decorators import task

            @task.kubernetes(image="python:3.12")
            def score():
                pass
        """, line=3),
        # One container with a literal image: rewritten to ECS by the unsafe fix.
        Invalid("""
            from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

            score = KubernetesPodOperator(
                task_id="score",
                name="score",
                namespace="ml",
                image="ml/score:7",
                cmds=["python", "-m", "score"],
                env_vars={"STAGE": "prod"},
                in_cluster=True,
            )
        """, line=10, contains="in_cluster=True", fixed="""
            from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator

            score = EcsRunTaskOperator(
                task_id="score",
                cluster="airflow-tasks",
                task_definition="ml-score-7",
                launch_type="FARGATE",
                overrides={
                    "containerOverrides": [
                        {
                            "name": "ml-score-7",
                            "command": ["python", "-m", "score"],
                            "environment": [{"name": "STAGE", "value": "prod"}],
                        },
                    ],
                },
                network_configuration={
                    "awsvpcConfiguration": {
                        "subnets": ["{{ var.value.ecs_subnet_1 }}", "{{ var.value.ecs_subnet_2 }}"],
                        "securityGroups": ["{{ var.value.ecs_security_group }}"],
                        "assignPublicIp": "DISABLED",
                    },
                },
                awslogs_group="/ecs/ml-score-7",
                awslogs_stream_prefix="ecs/ml-score-7",
            )
        """),
        # A Kubernetes service account has no place on ECS: the pod runs as written on EKS.
        Invalid("""
            from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

            score = KubernetesPodOperator(
                task_id="score",
                name="score",  # the pod's name
                image="ml/score:7",
                service_account_name="scorer",
                in_cluster=True,
            )
        """, line=8, contains="ECS Fargate has no place for its service_account_name", fixed="""
            from airflow.providers.amazon.aws.operators.eks import EksPodOperator

            score = EksPodOperator(
                task_id="score",
                cluster_name="{{ var.value.eks_cluster_name }}",
                pod_name="score",  # the pod's name
                image="ml/score:7",
                service_account_name="scorer",
            )
        """),
        # Positional arguments hide what the call sets: no rewrite, the finding says why.
        Invalid("""
            from airflow.contrib.operators.kubernetes_pod_operator import KubernetesPodOperator

            KubernetesPodOperator("ml", "ml/score:7", "score", task_id="score", service_account_name="scorer")
        """, line=3, contains="not to EksPodOperator either"),
        # The project's own pod operator, defined in a helper module, starts pods as its base does.
        Invalid("""
            from airflow import DAG
            from helpers.pods import TeamPodOperator

            with DAG(dag_id="score") as dag:
                TeamPodOperator(task_id="score", image="ml/score:7")
        """, line=5, contains="TeamPodOperator (a KubernetesPodOperator) starts Kubernetes pods",
            files={"dags/helpers/__init__.py": "",
                   "dags/helpers/pods.py": ("from airflow.providers.cncf.kubernetes.operators.pod import "
                                            "KubernetesPodOperator\n\n\nclass TeamPodOperator(KubernetesPodOperator):\n"
                                            "    pass\n")}),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for task in module.tasks:
            kind = _task_kind(task)
            if _task_limit(task, ctx.target) != "kubernetes":
                continue
            setup = _EKS_SETUP
            in_cluster = task.kwargs.get("in_cluster")
            config = static_string(module, task.kwargs.get("config_file"))
            if config is not None and is_under(config.text, (compat.worker_paths().dags,)) and \
                    isinstance(in_cluster, ast.Constant) and in_cluster.value is False:
                continue  # already set up the way MWAA's EKS guide describes
            fix, why_not = _pod_rewrite(module, task, ctx.target)
            if _is_true(in_cluster):
                keyword = _keyword(task.node, "in_cluster")
                yield _rewrite_finding(self, module, keyword or _class_node(task.node),
                                       f"{kind} with in_cluster=True cannot run on MWAA: its workers are "
                                       f"not inside a Kubernetes cluster; {setup}", fix=fix, why_not=why_not,
                                       severity=Severity.ERROR)
            elif config is not None and config.text.startswith(("/", "~")) and not is_under(
                    config.text, (compat.worker_paths().dags,)):
                keyword = _keyword(task.node, "config_file")
                yield _rewrite_finding(self, module, keyword or _class_node(task.node),
                                       f"{kind} reads its kube config from {config.text}, which does not "
                                       f"exist on MWAA workers; {setup}", fix=fix, why_not=why_not,
                                       severity=Severity.ERROR)
            else:
                yield _rewrite_finding(self, module, _class_node(task.node),
                                       f"{kind} needs a Kubernetes cluster MWAA can reach: {setup}; "
                                       f"add apache-airflow-providers-cncf-kubernetes to requirements.txt",
                                       fix=fix, why_not=why_not)
        limit = next(l for l in compat.platform_limits() if l.id == "kubernetes")
        for call, qualname, base in _subclass_tasks(module, ctx, limit):
            yield self.at_node(module, call.func, f"{short_name(qualname)} (a {short_name(base)}) starts Kubernetes "
                                                  f"pods, which need a cluster MWAA can reach: {_EKS_SETUP}")


_EKS_SETUP = (f"create an EKS cluster in the environment's VPC, map the MWAA execution role into it, ship "
              f"kube_config.yaml in the DAG folder and pass config_file=\"{compat.worker_environment().kube_config_path}\", "
              f"in_cluster=False, cluster_context=\"aws\" (or use EksPodOperator)")


def _pod_rewrite(module: ModuleFacts, task, target) -> tuple[Fix | None, str | None]:
    """The rewrite of a pod task: to ECS Fargate when its pod is one simple container, else to
    EKS with the spec as written; and why not ECS (None, None: not a class they replace)."""
    if not (isinstance(task.node, ast.Call) and aws_native.is_rewritable_pod_operator(task.operator, target)):
        return None, None
    rewrite = aws_native.pod_task(module, task.node, target)
    if isinstance(rewrite, aws_native.NotRewritable):
        on_eks = aws_native.eks_pod_task(module, task.node)
        if isinstance(on_eks, aws_native.NotRewritable):
            return None, f"{rewrite.reason}; not to EksPodOperator either: {on_eks.reason}"
        not_ecs = (f"ECS Fargate has no place for its {rewrite.argument}" if rewrite.argument in pod_to_ecs().blocking
                   else f"not ECS Fargate, as {rewrite.reason}")
        return _eks_fix(task.operator, on_eks), not_ecs
    # cmds replace the image's ENTRYPOINT on Kubernetes, not on ECS: the fix says so.
    entrypoint = f"; cmds go to {pod_to_ecs().mapped['cmds']}" if "cmds" in task.kwargs else ""
    return _ecs_fix(task.operator, rewrite, PodToEcs, entrypoint), None


def _eks_fix(operator: str, task: aws_native.EksPodTask) -> Fix:
    facts = pod_to_eks()
    namespace = f"namespace {task.namespace}" if task.namespace else "its namespace"
    return PodToEks(safety=FixSafety.UNSAFE,
                    description=f"run the pod as written on an EKS cluster with EksPodOperator (cluster_name from the "
                    f"Airflow Variable {facts.cluster_variable}); the cluster must let the execution role into "
                    f"{namespace} (`migrator infra` writes the access entry) and requirements.txt needs "
                    f"apache-airflow-providers-cncf-kubernetes (docs/aws-native.md)",
                    old=operator, drop=task.dropped, rename=task.renamed)
