"""MWA: what an on-prem worker has and an MWAA worker does not (Docker, a cluster around it,
local programs, local files, the on-prem network, extra Celery queues, pools, SMTP port 25)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from migrator import aws_native, compat
from migrator.analysis import airflow_api, platform
from migrator.analysis.commands import command_lines
from migrator.analysis.connections import mentioned_keys
from migrator.analysis.dags import ArgumentSite, const_str
from migrator.analysis.python import ModuleFacts
from migrator.analysis.shell import (
    commands,
    comment_spans,
    guarded_spans,
    stops_on_error,
    without_comments,
)
from migrator.analysis.strings import (
    UNKNOWN,
    Piece,
    StaticString,
    absolute_paths,
    host_kind,
    host_references,
    is_under,
    name_value,
    static_string,
)
from migrator.analysis.templates import scripts_run, template_files
from migrator.compat.aws_native import pod_to_ecs, pod_to_eks
from migrator.findings import Finding, Fix, FixSafety, Location, Severity, line_anchor
from migrator.project import ProjectFacts
from migrator.rules._common import call_arguments, inside, location_in_static, short_name
from migrator.rules.base import Invalid, ProjectRule, PythonRule, RuleContext, Valid


def _task_kind(task) -> str:
    return task.operator if task.operator.startswith("@") else short_name(task.operator)


def _task_limit(task, target) -> str | None:
    """The MWAA platform limit (``docker``, ``kubernetes``, ...) a task's class runs into."""
    if task.operator.startswith("@"):
        return platform.DECORATOR_LIMITS.get(task.operator)
    limit = airflow_api.platform_limit(task.operator, target)
    return limit.id if limit else None


def _class_node(node: ast.AST) -> ast.AST:
    """What a task finding points at: the class in ``Cls(...)``, the decorator of ``@task.x``."""
    if isinstance(node, ast.Call):
        return node.func
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
        return node.decorator_list[0]
    return node


def _keyword(call: ast.AST, name: str) -> ast.keyword | None:
    if isinstance(call, ast.Call):
        return next((k for k in call.keywords if k.arg == name), None)
    return None


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _container_calls(module: ModuleFacts, ctx: RuleContext) -> frozenset[ast.AST]:
    """Calls whose arguments describe a container or pod, not the worker: Docker and Kubernetes
    tasks, tasks that hand their work to another AWS service (ECS, EMR, Batch, ...) or to a
    wrapper of the project's around one (``ProjectIndex.remote_compute_wrappers``), any call given
    the image it runs; and the module's functions that only build such calls' arguments."""
    remote = tuple(module + "." for module in compat.worker_paths().remote_compute_modules)
    wrappers = ctx.index.remote_compute_wrappers

    def compute(m: ModuleFacts) -> frozenset[ast.AST]:
        found: set[ast.AST] = {t.node for t in m.tasks
                               if _task_limit(t, ctx.target) in ("docker", "kubernetes") or t.operator.startswith(remote)}
        found.update(call for call, qualname in m.calls
                     if any(k.arg in platform.IMAGE_KEYWORDS for k in call.keywords)
                     or (wrappers and _project_name(m, call, qualname) in wrappers))
        return frozenset(found | _argument_builders(m, found))

    return module.memo(("container_calls", str(ctx.target)), compute)


def _project_name(module: ModuleFacts, call: ast.Call, qualname: str | None) -> str | None:
    """The dotted name of what a call calls, for a function or class of the module itself too."""
    if qualname is None and isinstance(call.func, ast.Name) and call.func.id in module.function_defs:
        return f"{module.module_name}.{call.func.id}" if module.module_name else call.func.id
    return qualname


def _argument_builders(module: ModuleFacts, calls: set[ast.AST]) -> set[ast.AST]:
    """The module's functions called only to build the arguments of ``calls`` (a helper that
    returns the command a DockerRunEmrTask runs), directly or through another such helper: what
    they hold is that side's too. A function called nowhere in the module is not one."""
    sites: dict[str, list[ast.Call]] = {}
    for call, qualname in module.calls:
        if qualname is None and isinstance(call.func, ast.Name) and call.func.id in module.function_defs:
            sites.setdefault(call.func.id, []).append(call)
    builders: set[ast.AST] = set()
    while True:
        inside = calls | builders
        found = {function for name, called in sites.items()
                 if all(any(a in inside for a in module.ancestors(c)) for c in called)
                 for function in module.function_defs[name] if function not in builders}
        if not found:
            return builders
        builders |= found


# The project's own operator classes named for a container or pod (TtdKubernetesPodOperator).
def _named_as_container_operator(name: str) -> bool:
    """``MyDockerOperator``, ``TtdPodOperator``: "Docker" or "Pod" before "Operator" in one name
    (string search, not a regular expression retried at every "Docker" of a long name)."""
    return any(word in name and "Operator" in name[name.index(word) + len(word):] for word in ("Docker", "Pod"))


def _container_classes(module: ModuleFacts, target) -> frozenset[ast.ClassDef]:
    """Classes that are Docker or Kubernetes operators (a base resolves to one, or, for the
    project's own bases, is named so): their attributes describe the container."""
    def compute(m: ModuleFacts) -> frozenset[ast.ClassDef]:
        found = set()
        for node in m.nodes_of(ast.ClassDef):
            for base in node.bases:
                qualname = m.qualname(base) or ""
                limit = airflow_api.platform_limit(qualname, target) if qualname else None
                named = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
                if (limit and limit.id in ("docker", "kubernetes")) or _named_as_container_operator(named):
                    found.add(node)
        return frozenset(found)

    return module.memo(("container_classes", str(target)), compute)


_SSH_NAME = re.compile(r"(?i)s?ftp|ssh")


def _ssh_calls(module: ModuleFacts, target) -> list[tuple[ast.Call, str]]:
    """Constructions of SSH/SFTP operators, sensors and hooks; for the project's own classes
    (plugins, helpers), the ones named so."""
    def compute(m: ModuleFacts) -> list[tuple[ast.Call, str]]:
        found = []
        for call, qualname in m.calls:
            if not qualname:
                continue
            name = short_name(qualname)
            limit = airflow_api.platform_limit(qualname, target)
            if limit is not None:
                if limit.id == "on_prem_network" and not _inside_ssh_class(m, call):
                    found.append((call, name))
                continue
            own_class = not qualname.startswith("airflow.") or airflow_api.resolve(qualname, target).status == "unknown"
            if own_class and name.endswith(("Operator", "Sensor", "Hook")) and _SSH_NAME.search(name) \
                    and not name.startswith("Base") and not _inside_ssh_class(m, call):
                found.append((call, name))
        return found

    return module.memo("ssh_calls", compute)


def _unused_hook(module: ModuleFacts, call: ast.Call, name: str) -> bool:
    """A hook whose object nothing uses: bound to names the module never reads, where no other
    module can import them (a function's local, or a name of a DAG file). A hook's constructor
    opens no connection (SSHHook connects in ``get_conn``), so an unused one reaches no host."""
    if not name.endswith("Hook"):
        return False
    parent = module.parents.get(call)
    if not isinstance(parent, (ast.Assign, ast.AnnAssign)) or parent.value is not call:
        return False
    targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
    if not all(isinstance(t, ast.Name) for t in targets):
        return False
    if module.enclosing_function(call) is None and not module.dags:
        return False  # a helper module's hook may be imported and used elsewhere
    read = _names_read(module)
    return not any(t.id in read for t in targets)


def _names_read(module: ModuleFacts) -> frozenset[str]:
    return module.memo("names_read", lambda m: frozenset(
        n.id for n in m.nodes_of(ast.Name) if isinstance(n.ctx, ast.Load)))


def _ssh_tunnels(module: ModuleFacts) -> list[tuple[ast.AST | None, ast.Call]]:
    """(enclosing function or None, call) of each call that opens an SSH tunnel on the worker."""
    def compute(m: ModuleFacts) -> list[tuple[ast.AST | None, ast.Call]]:
        return [(m.enclosing_function(call), call) for call, qualname in m.calls
                if qualname in platform.SSH_TUNNEL_OPENERS
                or isinstance(call.func, ast.Attribute) and call.func.attr in platform.SSH_TUNNEL_METHODS]

    return module.memo("ssh_tunnels", compute)


def _tunnel_local_end(module: ModuleFacts, node: ast.AST) -> bool:
    """Whether a literal is in a function that opened an SSH tunnel, from the opening call on
    (its arguments, its ``with`` block, the code after ``tunnel.start()``): a loopback address
    there is the tunnel's local end, on the worker that runs the task."""
    tunnels = _ssh_tunnels(module)
    if not tunnels:
        return False
    function = module.enclosing_function(node)
    return any(scope is function and (node.lineno, node.col_offset) >= (call.lineno, call.col_offset)
               for scope, call in tunnels)


def _inside_ssh_class(module: ModuleFacts, node: ast.AST) -> bool:
    """Inside a class that is itself an SSH/SFTP operator or hook: its users are reported."""
    return any(isinstance(a, ast.ClassDef) and _SSH_NAME.search(a.name) for a in module.ancestors(node))


def _scope(module: ModuleFacts, node: ast.AST) -> ast.AST | None:
    """The innermost class or function a node is in (None at module level)."""
    return next((a for a in module.ancestors(node)
                 if isinstance(a, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))), None)


# -- Docker and Kubernetes -------------------------------------------------------------------------


class DockerOperatorRule(PythonRule):
    """
    ## What it does
    Reports `DockerOperator`, `DockerSwarmOperator` and `@task.docker` tasks, and the
    project's own subclasses of them (a helper module's `FailureTrackingDockerOperator`).

    ## Why it matters on MWAA
    They talk to a Docker daemon on the worker host (or a swarm manager reachable from it).
    MWAA workers are managed containers with no Docker daemon and no access to one, so the task
    fails as soon as it tries to create the container.

    ## Example
    ```python
    DockerOperator(task_id="build", image="registry.corp/ml:2", docker_url="unix://var/run/docker.sock")
    ```

    ## Fix
    Push the image to Amazon ECR and run it on ECS/Fargate with `EcsRunTaskOperator` (the
    amazon provider is preinstalled on MWAA), or on EKS with `EksPodOperator`. Data the
    container read from bind mounts must come from S3 or EFS.

    `migrator fix --unsafe` (and `migrate --aws-native`) rewrites a `DockerOperator` whose
    arguments all have a place on ECS: one task definition per image (named after it), the
    command and environment as container overrides, `cpus`/`mem_limit` as the Fargate size,
    awsvpc networking from the Variables `ecs_subnet_1`, `ecs_subnet_2` and
    `ecs_security_group`, logs in CloudWatch; Docker-only settings (`docker_url`,
    `auto_remove`, `network_mode`, ...) are dropped. A bind mount, a per-run working
    directory or user, a privileged container or the project's own subclass of the operator
    are not rewritten: the finding says why (see docs/aws-native.md).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/samples-ecs-operator.html
    - https://airflow.apache.org/docs/apache-airflow-providers-amazon/stable/operators/ecs.html
    """

    id = "MWA001"
    name = "docker-operator"
    severity = Severity.ERROR
    fix_safety = FixSafety.UNSAFE
    summary = "Docker operators need a Docker daemon, which MWAA workers do not have"
    needs_airflow_import = True
    valid = (
        Valid("""
            from airflow import DAG
            from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator

            EcsRunTaskOperator(task_id="build", cluster="etl", task_definition="features:3", overrides={})
        """),
        Valid("""
            from airflow import DAG
            from docker.types import Mount

            SOURCE = Mount(source="/cache", target="/cache", type="bind")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.providers.docker.operators.docker import DockerOperator

            build = DockerOperator(task_id="build", image="ml/features:2")
        """, line=3, contains="EcsRunTaskOperator"),
        Invalid("""
            from airflow.operators.docker_operator import DockerOperator as Docker

            Docker(task_id="build", image="ml/features:2")
        """, line=3, contains="Docker daemon"),
        # Every argument has a place on ECS: rewritten by the unsafe fix.
        Invalid("""
            from airflow.providers.docker.operators.docker import DockerOperator

            load = DockerOperator(
                task_id="load",
                image="registry.acme.io/etl/load:2",
                command="python -m load --day {{ ds }}",
                environment={"STAGE": "prod"},
                docker_url="unix://var/run/docker.sock",
                retries=2,
            )
        """, line=3, contains="DockerOperator needs a Docker daemon", fixed="""
            from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator

            load = EcsRunTaskOperator(
                task_id="load",
                cluster="airflow-tasks",
                task_definition="etl-load-2",
                launch_type="FARGATE",
                overrides={
                    "containerOverrides": [
                        {
                            "name": "etl-load-2",
                            "command": ["python", "-m", "load", "--day", "{{ ds }}"],
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
                awslogs_group="/ecs/etl-load-2",
                awslogs_stream_prefix="ecs/etl-load-2",
                retries=2,
            )
        """),
        # A bind mount reads the Docker host's files: no rewrite, the finding names EFS.
        Invalid("""
            from airflow.providers.docker.operators.docker import DockerOperator
            from docker.types import Mount

            DockerOperator(task_id="load", image="etl/load:2", command="load",
                           mounts=[Mount(source="/srv/data", target="/data", type="bind")])
        """, line=4, contains="mount an Amazon EFS file system"),
        # The project's own subclass: its code may rely on Docker, so it is not rewritten.
        Invalid("""
            from airflow.providers.docker.operators.docker import DockerOperator

            class CorpDocker(DockerOperator):
                pass
        """, line=3, contains="CorpDocker is the project's own class"),
        Invalid("""
            from airflow.providers.docker.operators.docker_swarm import DockerSwarmOperator

            DockerSwarmOperator(task_id="train", image="ml/train:7", docker_url="tcp://swarm01:2376")
        """, line=3),
        Invalid("""
            from airflow.decorators import task

            @task.docker(image="python:3.12")
            def transform():
                return 1
        """, line=3, contains="@task.docker"),
        # The project's own subclass, defined in a helper module, needs the daemon as its base does.
        Invalid("""
            from airflow import DAG
            from helpers.tracking import TrackingDockerOperator

            with DAG(dag_id="upload") as dag:
                TrackingDockerOperator(task_id="upload", image="ghcr.io/acme/upload:1")
        """, line=5, contains="TrackingDockerOperator (a DockerOperator) needs a Docker daemon",
            files={"dags/helpers/__init__.py": "",
                   "dags/helpers/tracking.py": ("from airflow.providers.docker.operators.docker import DockerOperator\n\n\n"
                                                "class TrackingDockerOperator(DockerOperator):\n    pass\n")}),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        limit = next(l for l in compat.platform_limits() if l.id == "docker")
        for task in module.tasks:
            if _task_limit(task, ctx.target) == "docker":
                message = f"{_task_kind(task)} needs a Docker daemon: {limit.problem} {limit.advice}"
                fix, why_not = None, None
                if isinstance(task.node, ast.Call) and aws_native.is_rewritable_docker_operator(task.operator, ctx.target):
                    rewrite = aws_native.docker_task(module, task.node, ctx.target)
                    if isinstance(rewrite, aws_native.ContainerTask):
                        fix = _ecs_fix(task.operator, rewrite)
                    else:
                        why_not = rewrite.reason
                yield _rewrite_finding(self, module, _class_node(task.node), message, fix=fix, why_not=why_not)
        for node in _docker_subclasses(module, ctx.target):
            yield _rewrite_finding(self, module, node, f"{node.name} extends a Docker operator, which needs a Docker "
                                                       f"daemon: {limit.problem} {limit.advice}",
                                   why_not=f"{node.name} is the project's own class, whose code may rely on Docker")
        # Tasks of the project's subclasses defined in a helper module (a class of this module is
        # reported once, above, where it is defined).
        for call, qualname, base in _subclass_tasks(module, ctx, limit):
            yield self.at_node(module, call.func, f"{short_name(qualname)} (a {short_name(base)}) needs a Docker "
                                                  f"daemon: {limit.problem} {limit.advice}")


def _subclass_tasks(module: ModuleFacts, ctx: RuleContext, limit) -> Iterator[tuple[ast.Call, str, str]]:
    """(call, class, the Airflow class it derives from) for each construction in ``module`` of a
    project class from another module that derives from a class ``limit`` names (the project
    index's ``platform_subclasses``)."""
    derived = dict(ctx.index.platform_subclasses)
    for call, qualname in module.calls if derived else ():
        base = derived.get(qualname or "")
        if base is not None and airflow_api.platform_limit(base, ctx.target) == limit:
            yield call, qualname, base


def _rewrite_finding(rule: PythonRule, module: ModuleFacts, node: ast.AST, message: str, *,
                     fix: Fix | None = None, why_not: str | None = None,
                     severity: Severity | None = None) -> Finding:
    """The finding of a task the ECS rewrite replaces, its message saying why no rewrite is
    offered; the fingerprint stays the one of the message without it."""
    location = module.location(node)
    anchor = f"{line_anchor(module.line_text(location.line), location.column)}\x1f{message}"
    if why_not and not message.endswith("."):
        message += "."
    if why_not and fix is not None and fix.params.get("kind") == _EKS_KIND:
        message += f" The unsafe fix runs it on EKS with EksPodOperator: {why_not}."
    elif why_not:
        message += f" Not rewritten to EcsRunTaskOperator automatically: {why_not}."
    return rule.finding(module.path, location, message, anchor=anchor, fix=fix, severity=severity)


def _ecs_fix(operator: str, task: aws_native.ContainerTask, kind: str = "docker-to-ecs", note: str = "") -> Fix:
    size = f", {task.size[0]} CPU units / {task.size[1]} MiB" if task.size else ""
    private = ("; the private_environment values now show in the rendered overrides: move secrets to the "
               "task definition's secrets" if task.private_environment else "")
    return Fix.make(FixSafety.UNSAFE,
                    f"run {task.image} on ECS Fargate with EcsRunTaskOperator (task definition "
                    f"{task.family}{size}); the task definition, its cluster and the network Variables "
                    f"must exist (docs/aws-native.md){private}{note}",
                    kind=kind, old=operator, family=task.family, command=task.command,
                    size=task.size, drop=task.dropped)


def _docker_subclasses(module: ModuleFacts, target) -> list[ast.ClassDef]:
    """The module's classes with a base the rewrite would replace: their tasks stay Docker tasks."""
    return [node for node in module.nodes_of(ast.ClassDef)
            if any(qualname and aws_native.is_rewritable_docker_operator(qualname, target)
                   for qualname in map(module.qualname, node.bases))]


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
            if config is not None and is_under(config.text, (platform.DAGS_FOLDER,)) and \
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
                    config.text, (platform.DAGS_FOLDER,)):
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
              f"kube_config.yaml in the DAG folder and pass config_file=\"{platform.KUBE_CONFIG_PATH}\", "
              f"in_cluster=False, cluster_context=\"aws\" (or use EksPodOperator)")


_EKS_KIND = "pod-to-eks"


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
    return _ecs_fix(task.operator, rewrite, "pod-to-ecs", entrypoint), None


def _eks_fix(operator: str, task: aws_native.EksPodTask) -> Fix:
    facts = pod_to_eks()
    namespace = f"namespace {task.namespace}" if task.namespace else "its namespace"
    return Fix.make(FixSafety.UNSAFE,
                    f"run the pod as written on an EKS cluster with EksPodOperator (cluster_name from the "
                    f"Airflow Variable {facts.cluster_variable}); the cluster must let the execution role into "
                    f"{namespace} (`migrator infra` writes the access entry) and requirements.txt needs "
                    f"apache-airflow-providers-cncf-kubernetes (docs/aws-native.md)",
                    kind=_EKS_KIND, old=operator, drop=task.dropped, rename=task.renamed)


# -- the on-prem network ---------------------------------------------------------------------------

# Call arguments that describe, rather than connect to, a host.
_DESCRIPTIVE_KEYWORDS = frozenset({"description", "doc", "doc_md", "doc_rst", "doc_json", "doc_yaml",
                                   "doc_md_file", "owner", "email", "tags", "subject", "html_content",
                                   "msg", "message"})
_LOGGING_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
# Asset/Dataset URIs name data; they are identifiers, not connections.
_URI_CLASSES = frozenset({"Dataset", "Asset", "AssetAlias", "DatasetAlias", "Model"})


def _descriptive_literals(module: ModuleFacts) -> frozenset[ast.AST]:
    """Literals that only describe something: log and print messages, exception messages,
    documentation arguments, asset URIs."""
    def compute(m: ModuleFacts) -> frozenset[ast.AST]:
        roots: list[ast.AST] = []
        for call, qualname in m.calls:
            func = call.func
            name = short_name(qualname) if qualname else (
                func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else "")
            if name == "print" or (isinstance(func, ast.Attribute) and func.attr in _LOGGING_METHODS) or \
                    (qualname or "").startswith("warnings.") or name in _URI_CLASSES:
                roots.append(call)
                continue
            roots.extend(k.value for k in call.keywords if k.arg in _DESCRIPTIVE_KEYWORDS)
        if m.tree is not None:
            roots.extend(n.exc for n in m.nodes_of(ast.Raise) if n.exc is not None)
        found: set[ast.AST] = set()
        for root in roots:
            found.update(ast.walk(root))
        return frozenset(found)

    return module.memo("descriptive_literals", compute)


# A project's own wrappers around EMR in a helper module: a job task whose body builds the EMR
# step, a subclass running a docker command through it, a helper returning such a task.
_EMR_WRAPPERS = {"dags/common/__init__.py": "", "dags/common/emr.py": '''
class EmrJobTask:
    def __init__(self, name, args=()):
        self.steps = [{"Name": name, "HadoopJarStep": {"Jar": "command-runner.jar", "Args": list(args)}}]


class DockerRunEmrTask(EmrJobTask):
    def __init__(self, name, command):
        super().__init__(name, ["bash", "-c", command])


def docker_job(name, command):
    task = DockerRunEmrTask(name, command)
    return task
'''}


class OnPremHostRule(PythonRule):
    """
    ## What it does
    Reports SSH/SFTP operators, sensors and hooks, and host names or addresses in code that an
    MWAA environment cannot reach as they are: `localhost`/`127.0.0.1` and
    `host.docker.internal` (errors: on MWAA they name the worker itself), private IP ranges and
    internal DNS names (`*.local`, `*.internal`, `*.corp`, `*.lan`, ...). A hook that no task
    or callable uses is left alone: its constructor opens no connection.

    ## Why it matters on MWAA
    MWAA runs tasks in private subnets of your VPC. Services next to the old Airflow host are
    not there, and on-prem systems are reachable only after network work: a VPN, Direct Connect
    or Transit Gateway route, security groups and NACLs that allow the traffic, and DNS
    resolution of on-prem names (Route 53 Resolver outbound endpoints).

    ## Example
    ```python
    HIVE_JDBC = "jdbc:hive2://hive-srv01.corp.acme.local:10000/default"
    requests.post("http://localhost:8080/hooks/run")
    ```

    ## Fix
    Move the service next to MWAA (an AWS endpoint, RDS, an ALB) or route the VPC to the
    on-prem network and resolve its DNS; keep the host in an Airflow connection (stored in
    Secrets Manager) rather than in code. A public SSH host (a cloud VM, a supercomputer's
    login node) needs no VPN: the VPC's NAT gateway reaches it. Replace `localhost` and
    `host.docker.internal` with the service's real address.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/networking-about.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-faqs.html
    """

    id = "MWA003"
    name = "on-prem-host"
    severity = Severity.WARNING
    summary = "Host only reachable from the on-prem network, or the Airflow host itself"
    needs_airflow_import = False
    valid = (
        Valid('''
            """Runbook: https://wiki.corp.acme.local/display/DE/ingest"""
            import logging

            logging.getLogger(__name__).info("connecting to db01.corp.acme.local")
            API = "https://api.example.com/v1"
            EMAIL = "alerts@data.corp.local"
        '''),
        Valid("""
            from airflow.datasets import Dataset

            ORDERS = Dataset("postgres://dwh-pg01.corp.acme.local:5432/dwh/public/orders")
        """),
        Valid("""
            ENDPOINT = "vpce-0abc.execute-api.us-east-1.vpce.amazonaws.com"
            NODE = "ip-10-0-1-12.ec2.internal"
        """),
        # The local end of an SSH tunnel the task opens on the worker: a loopback address there
        # is right on MWAA (the SSH hop itself is reported on the hook).
        Valid("""
            import sqlalchemy
            from sshtunnel import SSHTunnelForwarder

            def export(ssh_hook, db_host):
                with ssh_hook.get_tunnel(5432, remote_host=db_host) as tunnel:
                    sqlalchemy.create_engine(f"postgresql://etl@127.0.0.1:{tunnel.local_bind_port}/dw")

            def load(gateway, db_host):
                forwarder = SSHTunnelForwarder(gateway, remote_bind_address=(db_host, 5432),
                                               local_bind_address=("127.0.0.1", 6543))
                forwarder.start()
                return sqlalchemy.create_engine("postgresql://etl@localhost:6543/dw")
        """),
        # A docker command the project's own wrapper runs on an EMR node (its base builds the EMR
        # step): localhost there is that node, also when a helper builds the command.
        Valid("""
            from common.emr import DockerRunEmrTask

            def client_command():
                return "docker run --net host bench -u localhost:8001"

            def bench_command():
                return "docker run -d server; " + client_command()

            BENCH = DockerRunEmrTask("bench", bench_command())
        """, files=_EMR_WRAPPERS),
        # A hook no task or callable uses connects to nothing: its constructor opens no connection.
        Valid("""
            from airflow import DAG
            from airflow.operators.bash import BashOperator
            from airflow.providers.ssh.hooks.ssh import SSHHook

            archive_hook = SSHHook(remote_host="archive01", username="etl")

            def report():
                spare_hook = SSHHook(ssh_conn_id="archive")
                return 1

            with DAG(dag_id="report") as dag:
                BashOperator(task_id="stats", bash_command="echo ok")
        """),
    )
    invalid = (
        # The hook a task uses is reported where it is built.
        Invalid("""
            from airflow import DAG
            from airflow.providers.ssh.hooks.ssh import SSHHook
            from airflow.providers.ssh.operators.ssh import SSHOperator

            unused_hook = SSHHook(remote_host="archive01", username="etl")
            hpc_hook = SSHHook(remote_host="login01", username="etl")

            with DAG(dag_id="report") as dag:
                SSHOperator(task_id="stats", ssh_hook=hpc_hook, command="qstat")
        """, line=6, contains="SSHHook connects to login01 over SSH"),
        Invalid("""
            HIVE_JDBC = "jdbc:hive2://hive-srv01.corp.acme.local:10000/default"
        """, line=1, contains="hive-srv01.corp.acme.local"),
        Invalid("""
            import requests

            requests.post("http://localhost:8080/hooks/run", timeout=5)
        """, line=3, contains="the MWAA worker itself"),
        # A tunnel opened in one function makes no other function's loopback address its end.
        Invalid("""
            import requests

            def export(ssh_hook):
                with ssh_hook.get_tunnel(5432, remote_host="db.example.com"):
                    pass

            def notify():
                requests.post("http://localhost:8080/hooks/run", timeout=5)
        """, line=8, contains="the MWAA worker itself"),
        Invalid("""
            ENV = {"MLFLOW_TRACKING_URI": "http://host.docker.internal:5000"}
        """, contains="host.docker.internal"),
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="audit", bash_command="psql -h 10.20.30.40 -c 'select 1'")
        """, line=3, contains="10.20.30.40"),
        Invalid("""
            from airflow.contrib.operators.ssh_operator import SSHOperator

            SSHOperator(task_id="seal", ssh_conn_id="gw", remote_host="etl-gw01.corp.acme.local", command="x")
        """, line=3, contains="etl-gw01.corp.acme.local and connection gw over SSH, a host of the on-prem network"),
        # A public login node is reached through the NAT gateway, not a route to an on-prem network.
        Invalid("""
            from airflow.providers.ssh.operators.ssh import SSHOperator

            SSHOperator(task_id="submit", ssh_conn_id="hpc", remote_host="login.hpc.example.edu", command="qsub j.sh")
        """, line=3, contains="a public host: MWAA's private subnets reach it through the VPC's NAT gateway"),
        Invalid("""
            from airflow.providers.sftp.hooks.sftp import SFTPHook

            def fetch():
                return SFTPHook(ssh_conn_id="vendor_sftp").list_directory("/outbound")
        """, line=4, contains="a public host is reached through the VPC's NAT gateway, a private or on-prem one"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        ssh_calls = _ssh_calls(module, ctx.target)
        for call, name in ssh_calls:
            if _unused_hook(module, call, name):
                continue
            conn = next((const_str(k.value) for k in call.keywords
                         if k.arg and k.arg.endswith("conn_id") and const_str(k.value)), None)
            host = next((const_str(k.value) for k in call.keywords
                         if k.arg in ("remote_host", "host") and const_str(k.value)), None)
            target = " and ".join(p for p in (host, f"connection {conn}" if conn else None) if p)
            yield self.at_node(
                module, call.func,
                f"{name} connects to {target or 'a remote host'} over SSH{self._ssh_route(host)}, allow "
                f"it in security groups and add the ssh/sftp provider to requirements.txt")
        skipped = set(_descriptive_literals(module))
        skipped_roots = [call for call, _ in ssh_calls]
        for task in module.tasks:
            if _task_limit(task, ctx.target) == "docker":
                keyword = _keyword(task.node, "docker_url")
                if keyword is not None:
                    skipped_roots.append(keyword)
        for root in skipped_roots:
            skipped.update(ast.walk(root))
        skipped.update(_dict_keys_and_links(module))
        remote = _container_calls(module, ctx)
        for node, text in module.string_literals:
            if node in skipped or ("." not in text and "localhost" not in text):
                continue
            for reference in host_references(text, platform.INTERNAL_HOST_SUFFIXES,
                                             platform.AWS_INTERNAL_SUFFIXES):
                if reference.kind == "loopback" and _tunnel_local_end(module, node):
                    continue
                # In a container's or a remote node's command, the loopback is that machine.
                if reference.kind in ("loopback", "docker-host") and inside(module, node, remote):
                    continue
                location = _literal_location(module, node, text, reference.start, reference.end)
                yield self.finding(module.path, location, self._message(reference),
                                   anchor=f"{reference.host}\x1f{line_anchor(module.line_text(location.line), location.column)}",
                                   severity=Severity.ERROR if reference.kind in ("loopback", "docker-host")
                                   else None)

    @staticmethod
    def _ssh_route(host: str | None) -> str:
        """How MWAA's private subnets reach an SSH host: a private or on-prem one (private
        address, internal DNS suffix, single-label name) through a route to that network, a
        public one (a cloud VM, a university's login node) through the VPC's NAT gateway."""
        kind = host_kind(host, platform.INTERNAL_HOST_SUFFIXES, platform.AWS_INTERNAL_SUFFIXES) if host else None
        if host and (kind is not None or "." not in host):
            return (", a host of the on-prem network: MWAA's private subnets reach it only through a VPN, "
                    "Direct Connect or Transit Gateway route to that network")
        if host:
            return (", a public host: MWAA's private subnets reach it through the VPC's NAT gateway "
                    "(public egress)")
        return (" from MWAA's private subnets: a public host is reached through the VPC's NAT gateway, a "
                "private or on-prem one only through a VPN, Direct Connect or Transit Gateway route")

    @staticmethod
    def _message(reference) -> str:
        host = reference.host
        if reference.kind == "loopback":
            return (f"{host} is the MWAA worker itself, not the service the on-prem Airflow host ran; "
                    "point at the service's real address (kept in an Airflow connection)")
        if reference.kind == "docker-host":
            return (f"{host} names the Docker host of the old setup; on MWAA it is the worker itself "
                    "and resolves to nothing useful: point at the service's real address")
        what = "a private IP address" if reference.kind == "private-ip" else "an internal DNS name"
        return (f"{host} is {what} of the on-prem network: MWAA reaches it only through a VPN, Direct "
                "Connect or Transit Gateway route, security groups that allow it, and (for names) "
                "Route 53 Resolver forwarding; keep it in an Airflow connection, not in code")


def _dict_keys_and_links(module: ModuleFacts) -> frozenset[ast.AST]:
    """Dict keys (names such as Kubernetes label keys, not hosts) and UI links (``href``), which a
    user's browser opens rather than an MWAA worker."""
    def compute(m: ModuleFacts) -> frozenset[ast.AST]:
        found: set[ast.AST] = set()
        if m.tree is None:
            return frozenset()
        for node in m.nodes_of(ast.Dict):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values):
                    if key is not None:
                        found.add(key)
                        if isinstance(key, ast.Constant) and key.value in ("href", "url_for", "link"):
                            found.update(ast.walk(value))
        return frozenset(found)

    return module.memo("dict_keys_and_links", compute)


# Arguments that name a path inside a container or pod, not on the worker that starts it:
# docker.types.Mount(target, source, ...) and Kubernetes' V1VolumeMount(mount_path=...), as
# constructor keywords (and Mount's first positional argument) or keys of a manifest dict.
_CONTAINER_PATH_ARGUMENTS = {"Mount": ("target", 0), "V1VolumeMount": ("mount_path", None)}
_CONTAINER_PATH_KEYS = frozenset({"mountPath", "mount_path"})


def _container_side_values(module: ModuleFacts) -> frozenset[ast.AST]:
    """Values that are paths inside a container or pod (see ``_CONTAINER_PATH_ARGUMENTS``), and
    dicts that describe what another machine runs: an AWS request's shape, or the keyword
    arguments of a call given the image it runs."""
    def compute(m: ModuleFacts) -> frozenset[ast.AST]:
        found: set[ast.AST] = set()
        for call, qualname in m.calls:
            if not qualname or not qualname.startswith(("docker.", "kubernetes.")):
                continue
            keyword, position = _CONTAINER_PATH_ARGUMENTS.get(short_name(qualname), (None, None))
            found.update(k.value for k in call.keywords if keyword and k.arg == keyword)
            if position is not None and len(call.args) > position:
                found.add(call.args[position])
        remote_keys = set(compat.worker_paths().remote_request_keys)
        for node in m.nodes_of(ast.Dict):
            keys = [key.value for key in node.keys if isinstance(key, ast.Constant)]
            if remote_keys.intersection(keys):
                found.add(node)  # an ECS override or EMR step: all of it runs on that service
                continue
            if platform.IMAGE_KEYWORDS.intersection(keys):
                found.add(node)  # the arguments of a call that runs an image (``Task(**step_kwargs)``)
                continue
            found.update(value for key, value in zip(node.keys, node.values)
                         if isinstance(key, ast.Constant) and key.value in _CONTAINER_PATH_KEYS)
        return frozenset(found)

    return module.memo("container_side_values", compute)


def _literal_location(module: ModuleFacts, node: ast.AST, text: str, start: int, end: int) -> Location:
    from migrator.rules._common import location_in_literal

    return location_in_literal(module, node, text, start, end)


# -- programs and scripts on the worker ------------------------------------------------------------


def _allowed_path(path: str) -> bool:
    return is_under(path, platform.ALLOWED_PATH_PREFIXES)


class BashLocalBinaryRule(PythonRule):
    """
    ## What it does
    Reports programs that a `bash_command`, `subprocess` call or `os.system` runs on the worker
    and that MWAA workers do not have (`spark-submit`, `java`, `hdfs`, `beeline`, `psql`,
    `sqlplus`, `kinit`, `docker`, `kubectl`, `gcloud`, `Rscript`, ...), and scripts run from
    absolute paths outside the DAG folder (`/opt/etl/bin/refresh.sh`, `python /opt/jobs/x.py`).
    A command whose and-or list ends in `|| true` (or `|| :`) fails nothing when the program is
    missing: that finding is info, the step only does nothing on MWAA.

    ## Why it matters on MWAA
    On-prem workers are often edge nodes with every client installed and shared script folders
    mounted. MWAA workers are Amazon Linux containers with Python and Airflow only; the command
    exits with "command not found" or "No such file or directory".

    ## Example
    ```python
    BashOperator(task_id="stage", bash_command="spark-submit --master yarn /opt/jobs/stage.py")
    ```

    ## Fix
    Use the AWS service or provider operator that does the same work (EMR steps, Glue, Athena,
    SQLExecuteQueryOperator, EcsRunTaskOperator, ...). Ship scripts in the DAG folder and call
    them relative to it (`bash {{ dag.folder }}/scripts/x.sh`). A client that must run locally
    can be installed by a startup script (`startup.sh`). A script of the host a task was routed
    to (`queue=` of on-prem or HPC workers) stays there: run it over SSH (`SSHOperator`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/samples-emr.html
    """

    id = "MWA004"
    name = "bash-local-binary"
    severity = Severity.ERROR
    summary = "Command runs a program or script MWAA workers do not have"
    needs_airflow_import = False
    valid = (
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="bash {{ dag.folder }}/scripts/rerun.sh {{ ds }} | tee /tmp/log")
        """),
        # requirements.txt lists dbt: the bundle installs it into a venv of its own, on PATH.
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="run", bash_command="dbt run --project-dir {{ dag.folder }}/dbt")
        """, files={"requirements.txt": "dbt-postgres==1.9.1\n"}),
        Valid("""
            import subprocess

            subprocess.run(["python", "-m", "json.tool", "/tmp/x.json"], check=True)
            subprocess.run("echo 'spark-submit is not run here'", shell=True)
        """),
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="scripts/archive_landing.sh")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.bash import BashOperator

            JOBS = "/opt/etl/spark-jobs"
            BashOperator(task_id="stage", bash_command="spark-submit --master yarn " + JOBS + "/stage.py")
        """, line=4, contains="spark-submit"),
        Invalid("""
            import subprocess

            def repair():
                subprocess.run(["beeline", "-u", "jdbc:hive2://h:10000", "-e", "MSCK REPAIR TABLE t"])
        """, line=4, contains="beeline"),
        Invalid("""
            from airflow.operators.bash_operator import BashOperator

            BashOperator(task_id="refresh", bash_command="/opt/etl/bin/refresh.sh --db raw ")
        """, line=3, contains="/opt/etl/bin/refresh.sh"),
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="t", bash_command="kinit -kt /k/etl.keytab etl@R && hdfs dfs -ls /")
        """, contains="hdfs"),
        # Guarded by "|| true", a missing program fails nothing: info, the step only does nothing.
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="cleanup", bash_command="docker rm -f ingest 2>/dev/null || true")
        """, line=3, contains="guarded (|| true), so the task does not fail"),
        Invalid("""
            import os

            os.system("sudo -u etl python3 /opt/etl/jobs/load.py")
        """, line=3, contains="/opt/etl/jobs/load.py"),
        # Routed to the queue of an HPC's workers, the script lives on that host: shipping it in
        # the DAG folder is no remedy, the work must still run there.
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="backup", queue="hpc_4G", bash_command="bash /home/etl/keys/copy_dump.sh ")
        """, line=3, contains="run it on that host over SSH"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        queues = _custom_queues(module)
        for line in command_lines(module):
            queue = queues.get(line.call, queues.get(None))
            guarded = guarded_spans(line.value.text)
            for command in line.commands:
                program = command.program
                if UNKNOWN in program.text:
                    continue
                harmless = any(start <= program.start < end for start, end in guarded)
                if program.text.startswith("/") and not _allowed_path(program.text):
                    yield self._at(module, line, program.start, program.end,
                                   _on_routed_host(program.text, "a script", queue) or (
                        f"{program.text} is a script on the on-prem workers, outside the DAG folder: ship it in "
                        f"the DAG folder and run it from there ({platform.DAGS_FOLDER}/..., or "
                        f"{{{{ dag.folder }}}} in templates)"), harmless)
                    continue
                missing = airflow_api.missing_binaries().get(command.name)
                if missing is not None and command.name not in ctx.index.bundled_executables:
                    yield self._at(module, line, program.start, program.end,
                                   f"{command.name} ({missing.provides}) is not installed on MWAA "
                                   f"workers: {missing.advice}", harmless)
                    continue
                script = command.script()
                if script is not None and script.text.startswith("/") and UNKNOWN not in script.text[:2] \
                        and not _allowed_path(script.text):
                    yield self._at(module, line, script.start, script.end,
                                   _on_routed_host(script.text, "a script", queue) or (
                        f"{command.name} runs {script.text}, a script outside the DAG folder: ship it in the "
                        f"DAG folder and run it from there"), harmless)

    def _at(self, module: ModuleFacts, line, start: int, end: int, message: str, guarded: bool) -> Finding:
        """The finding; info when the command's and-or list ends in ``|| true``: the missing
        program fails nothing, the command only does nothing on MWAA."""
        _node, location = location_in_static(module, line.value, start, end, line.expression)
        anchor = f"{line_anchor(module.line_text(location.line), location.column)}\x1f{message}"
        if guarded:
            message = (message.rstrip(".") + "; the command is guarded (|| true), so the task does not fail on "
                       "MWAA, but this step does nothing there")
        return self.finding(module.path, location, message, anchor=anchor,
                            severity=Severity.INFO if guarded else None)


def _on_routed_host(path: str, what: str, queue: str | None) -> str | None:
    """A task routed to a queue of on-prem workers (an HPC's) runs there, where its scripts and
    files live next to what it needs: on MWAA the work must still run on such a host, so
    shipping the file in the DAG folder or S3 is no remedy."""
    if queue is None:
        return None
    return (f"{path} is {what} on the workers of queue '{queue}', where this task is routed (MWA010); "
            f"MWAA has no such workers: run it on that host over SSH (SSHOperator) or move the work "
            f"to an AWS service (EMR, ECS, Batch)")


def _routed_queue(module: ModuleFacts, node: ast.AST, queues: dict[ast.Call | None, str],
                  tasks: frozenset[ast.AST]) -> str | None:
    """The queue of on-prem workers the task whose arguments hold ``node`` is routed to."""
    for ancestor in module.ancestors(node):
        if ancestor in queues:
            return queues[ancestor]
        if ancestor in tasks:
            return queues.get(None)
    return None


def _custom_queues(module: ModuleFacts) -> dict[ast.Call | None, str]:
    """The Celery queue other than MWAA's own each task call is routed to (key None: the
    module's ``default_args``), as MWA010 reports them."""
    queues: dict[ast.Call | None, str] = {}
    for site in module.arguments:
        queue = const_str(site.value) if site.name == "queue" and site.owner != "dag" else None
        if queue is not None and queue not in platform.DEFAULT_QUEUES:
            queues[site.call if site.owner == "task" else None] = queue
    return queues


# -- local files -----------------------------------------------------------------------------------

# Call targets whose string arguments are local paths.
_PATH_FUNCTION_PREFIXES = ("os.path.", "shutil.", "glob.", "pathlib.", "io.open", "tarfile.open",
                           "zipfile.ZipFile", "sqlite3.connect", "logging.FileHandler",
                           "logging.handlers.", "imp.load_source", "importlib.util.spec_from_file_location",
                           "pandas.read_", "numpy.load", "numpy.save", "numpy.loadtxt", "numpy.savetxt",
                           "pyarrow.parquet.", "csv.")
_PATH_FUNCTIONS = frozenset({"os.listdir", "os.makedirs", "os.mkdir", "os.remove", "os.unlink",
                             "os.rename", "os.replace", "os.walk", "os.scandir", "os.chdir", "os.stat",
                             "os.chmod", "os.chown", "os.rmdir", "os.removedirs", "os.symlink",
                             "os.open", "os.access", "os.utime"})
# Methods of unknown objects that read or write files (DataFrame.to_csv, Path.open, ...).
_PATH_METHOD = re.compile(r"^(to_(csv|parquet|excel|json|pickle|feather|hdf|orc|html|xml)|read_\w+"
                          r"|write_(text|bytes)|savefig|save)$")
_PATH_ARGUMENT = re.compile(r"(?i)(^|_)(path|paths|file|files|filepath|filename|filenames|dir|dirs|"
                            r"directory|folder|cwd|location|searchpath|keytab)($|_)|(path|file|dir)$")
_REMOTE_ARGUMENT = re.compile(r"(?i)remote|hdfs|s3|gcs|gs_|blob|sftp|ftp|ssh|url|uri|endpoint|bucket|"
                              r"(^|_)key($|_)|prefix|table|sql|http|container|pod|image|mount|dest_|target_")
_PATH_CONSTANT = re.compile(r"(?i)(path|dir|file|folder|root|home|location|directory|keytab)s?$")


def _in_mwaa_folder(text: str, folder: compat.OtherPlatformFolder) -> str:
    """``text`` with the other platform's folder (a whole path component) replaced by MWAA's."""
    return re.sub(rf"{re.escape(folder.path)}(?![\w.-])", folder.mwaa or folder.path, text)


def _to_mwaa_folder(node: ast.AST, folder: compat.OtherPlatformFolder | None) -> Fix | None:
    """A plain string literal naming a folder MWAA has under another path gets MWAA's path,
    where the bundle always ships the same files (the DAG and plugins folders)."""
    if folder is None or not (folder.mwaa and folder.always_shipped) \
            or not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return None
    new = _in_mwaa_folder(node.value, folder)
    return Fix.make(FixSafety.SAFE, f"use MWAA's {folder.role} folder {folder.mwaa}", kind="replace-value",
                    old=node.value, new=new) if new != node.value else None


class LocalFilesystemPathRule(PythonRule):
    """
    ## What it does
    Reports absolute local paths outside the folders MWAA fills (`/usr/local/airflow/dags`,
    `plugins`, `requirements`) and `/tmp` that task code reads or writes: arguments of `open`, `os`/`os.path`/`shutil`/`pathlib`/`glob`, pandas readers and
    writers, `FileSensor(filepath=...)`, operator arguments that name files or folders
    (`filepath`, `files`, `cwd`, `template_searchpath`, `*_dir`, ...), paths in bash commands,
    and module constants such as `DATA_DIR = "/data/landing"`; paths into the folders other
    platforms mount (Cloud Composer's `/home/airflow/gcs/{dags,plugins,data}`) are named as such.
    Paths on another machine are left alone: inside a container, pod or EMR step (also when its
    arguments are gathered in a dict beside the image), or parameters documented as another
    host's path (an SFTP transfer's remote side, HDFS); a path a task routed to an on-prem
    queue uses is reported as that host's.

    ## Why it matters on MWAA
    MWAA workers have only the DAG folder and plugins under `/usr/local/airflow` (synced from S3;
    other folders an on-prem image kept there, such as `/usr/local/airflow/data`, are not) and an
    ephemeral, per-container `/tmp`. NFS shares, `/data`, `/opt/etl` and home directories of
    the on-prem workers do not exist, and a file one task writes to `/tmp` may not be there for
    the next task, which can run on another worker.

    ## Example
    ```python
    FileSensor(task_id="wait", filepath="/data/landing/pos/{{ ds_nodash }}/_DONE")
    ```

    ## Fix
    Keep data in S3 (`S3Hook`, `S3KeySensor`, `S3ToSqlOperator`, ...); ship small reference
    files and scripts in the DAG folder and build their path from
    `os.path.dirname(__file__)`; keep keys and keytabs in Secrets Manager. A path into another
    platform's DAG or plugins folder (Cloud Composer's `/home/airflow/gcs/dags`, the
    docker-compose stack's `/opt/airflow/dags`) names a file the bundle ships too: `migrator fix`
    rewrites the literal to MWAA's folder (`/usr/local/airflow/dags/...`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-faqs.html
    """

    id = "MWA005"
    name = "local-filesystem-path"
    severity = Severity.ERROR
    summary = "Local path that does not exist on MWAA workers"
    fix_safety = FixSafety.SAFE
    needs_airflow_import = False
    valid = (
        Valid("""
            import os

            SQL_DIR = os.path.join(os.path.dirname(__file__), "sql")
            with open("/tmp/report.csv", "w") as fh:
                fh.write("x")
            CONFIG = "/usr/local/airflow/dags/config/feeds.yaml"
        """),
        Valid("""
            from airflow.providers.sftp.operators.sftp import SFTPOperator

            SFTPOperator(task_id="get", ssh_conn_id="v", remote_filepath="/outbound/rma.txt",
                         local_filepath="/tmp/rma.txt", operation="get")
        """),
        Valid("""
            import requests

            requests.get("https://api.example.com/api/v1/dags", timeout=5)
            ROUTE = "/api/v2/feeds"
        """),
        # Parameters documented as a path on another machine: the SFTP server, HDFS.
        Valid("""
            from airflow.providers.apache.hdfs.sensors.web_hdfs import WebHdfsSensor
            from airflow.providers.google.cloud.transfers.sftp_to_gcs import SFTPToGCSOperator

            SFTPToGCSOperator(task_id="pull", source_path="/outbound/rma/*.csv", destination_bucket="landing")
            WebHdfsSensor(task_id="wait", filepath="/data/warehouse/pos/_SUCCESS")
        """),
        # Where a bind mount or a pod volume appears inside the container is no worker path.
        Valid("""
            from docker.types import Mount
            from kubernetes.client import models as k8s

            CERTS = [Mount(target="/usr/local/share/ca-certificates/corp.crt", source="corp_certs"),
                     Mount("/opt/app/data", "landing", type="volume")]
            VOLUME_MOUNT = k8s.V1VolumeMount(name="models", mount_path="/mnt/models", read_only=True)
            CONTAINER = {"name": "serve", "volumeMounts": [{"name": "cfg", "mountPath": "/etc/serve/config"}]}
        """),
        # Given the image it runs, a call describes a container: an EMR step run in an image, a
        # DockerOperator subclass's environment; a pod operator subclass's mount point likewise.
        Valid("""
            from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
            from airflow.providers.docker.operators.docker import DockerOperator
            from acme.emr import PySparkEmrStep

            class AlertingDockerOperator(DockerOperator):
                pass

            class ReportPodOperator(KubernetesPodOperator):
                config_mount_path = "/opt/report/etc/"

            PySparkEmrStep(name="score", image_name="ml/score", entry_point_path="/opt/application/main.py")
            AlertingDockerOperator(task_id="stac", image="geo/stac:3",
                                   environment={"SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt"})
        """),
        # An ECS override and an EMR configuration built apart from the task: their request shapes.
        Valid("""
            def overrides(payload):
                return {"containerOverrides": [{"name": "ingest", "command": ["/var/lang/bin/python", "handler.py"]}]}

            SPARK_ENV = [{"Classification": "spark-env", "Properties": {"JAVA_HOME": "/home/hadoop/jdk"}}]
        """),
        # ECS and EMR run these commands on their own machines: the paths are theirs.
        Valid("""
            from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator
            from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator

            EcsRunTaskOperator(task_id="load", cluster="etl", task_definition="load",
                               overrides={"containerOverrides": [{"name": "load", "command": ["/app/run.sh"]}]})
            EmrAddStepsOperator(task_id="spark", job_flow_id="j-1",
                                steps=[{"Name": "s", "HadoopJarStep": {"Jar": "command-runner.jar",
                                        "Args": ["spark-submit", "/home/hadoop/jobs/score.py"]}}])
        """),
        # The project's wrappers around EMR run their arguments on the cluster: a script-runner
        # step's arguments, a docker command a helper returns, the command another helper builds.
        Valid("""
            from common.emr import EmrJobTask, docker_job

            def train_arguments(date):
                return ["--nproc-per-node=4", "/opt/application/app/train.py", f"--date={date}"]

            PUBLISH = EmrJobTask("publish", args=["--source", "/mnt/models", "--date", "{{ ds }}"])
            TRAIN = docker_job("train", " ".join(["torchrun", *train_arguments("{{ ds }}")]))
        """, files=_EMR_WRAPPERS),
        # A helper module's path constants that only a pod spec uses (the destination of an
        # init container's cp on the pod's volume, the image's own folder): the container's.
        Valid("""
            from kubernetes.client import models as k8s
            from pods.paths import CONFIG_DIR, IMAGE_CONFIG_DIR

            COPY_CONFIG = k8s.V1Container(name="copy-config", image="acme/config:1", command=["cp"],
                                          args=["-r", IMAGE_CONFIG_DIR, CONFIG_DIR])
        """, files={"dags/pods/__init__.py": "",
                    "dags/pods/paths.py": 'CONFIG_DIR = "/env/config/app"\nIMAGE_CONFIG_DIR = "/opt/acme-config/app"\n'}),
        # The keyword arguments of a step that runs an image, gathered in a dict: the
        # entry point is a path inside that image, on the cluster.
        Valid("""
            from acme.emr import PySparkEmrTask

            STEP_KWARGS = {"entry_point_path": "/home/hadoop/app/score.py", "image_name": "ml/score",
                           "image_tag": "3"}
            SCORE = PySparkEmrTask(name="score", **STEP_KWARGS)
        """),
        # A shell comment runs nothing; what ssh runs is on the remote host.
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="refresh", bash_command='''
                echo "disabled"
                # bash /data/legacy/refresh.sh \\
                #   /data/legacy/out
                ssh hpc "ls /rds/project/runs" > /tmp/runs.txt
            ''')
        """),
    )
    invalid = (
        Invalid("""
            from airflow.contrib.sensors.file_sensor import FileSensor

            FileSensor(task_id="wait", filepath="/data/landing/pos/{{ ds_nodash }}/_DONE")
        """, line=3, contains="S3KeySensor"),
        Invalid("""
            import pandas as pd

            STORE_MASTER = "/data/landing/reference/store_master.csv"

            def load():
                return pd.read_csv(STORE_MASTER)
        """, line=3, contains="/data/landing/reference/store_master.csv"),
        Invalid("""
            def stats(ds):
                manifest = "/data/landing/pos/{}/manifest.csv".format(ds)
                with open(manifest) as fh:
                    return fh.read()
        """, line=2),
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="prune", bash_command="find /data/reports -mtime +60 -delete")
        """, line=3, contains="/data/reports"),
        Invalid("""
            REPORT_DIR = "/data/reports/vendor_returns"
        """, line=1),
        # A constant a pod spec uses but worker code reads too is a worker path.
        Invalid("""
            from kubernetes.client import models as k8s
            from pods.paths import CONFIG_DIR

            COPY_CONFIG = k8s.V1Container(name="copy", image="acme/config:1", command=["cp"], args=["-r", "/cfg", CONFIG_DIR])
        """, files={"dags/pods/__init__.py": "",
                    "dags/pods/paths.py": 'CONFIG_DIR = "/data/config/app"\n',
                    "dags/report.py": "import os\nfrom pods.paths import CONFIG_DIR\n\ndef files():\n    return os.listdir(CONFIG_DIR)\n"},
            line=1, contains="/data/config/app"),
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="t", bash_command="cat /opt/airflow/dags/sql/x.sql")
        """, contains="/usr/local/airflow/dags"),
        # Cloud Composer's mount of the DAG bucket is MWAA's DAG folder under another path.
        Invalid("""
            import json

            with open("/home/airflow/gcs/dags/schemas/orders.json") as fh:
                SCHEMA = json.load(fh)
        """, line=3, contains="use /usr/local/airflow/dags/schemas/orders.json", fixed="""
            import json

            with open("/usr/local/airflow/dags/schemas/orders.json") as fh:
                SCHEMA = json.load(fh)
        """),
        # An Astro project's include/ is on MWAA only when the bundle carries it: no fix.
        Invalid("""
            from cosmos.config import ProjectConfig

            DBT_PROJECT = ProjectConfig(dbt_project_path="/usr/local/airflow/include/dbt/")
        """, line=3, contains="/usr/local/airflow/plugins/include/dbt/"),
        # Composer's data/ folder is synced from its bucket; MWAA syncs no such folder.
        Invalid("""
            import pandas as pd

            def load():
                return pd.read_csv("/home/airflow/gcs/data/stores.csv")
        """, line=4, contains="data folder of Cloud Composer, which MWAA does not have"),
        # Only the folders MWAA fills exist under AIRFLOW_HOME, not an on-prem image's data folder.
        Invalid("""
            import pandas as pd

            def load():
                return pd.read_csv("/usr/local/airflow/data/stores.csv")
        """, line=4, contains="/usr/local/airflow/data/stores.csv"),
        Invalid("""
            from airflow.operators.email import EmailOperator

            EmailOperator(task_id="mail", to="a@b.example", subject="s", html_content="h",
                          files=["/data/reports/r_{{ ds_nodash }}.csv"])
        """, line=4),
        # Routed to an HPC's queue, the file is on that host: S3 or the DAG folder is no remedy,
        # the work must still run there.
        Invalid("""
            from airflow.operators.python import PythonOperator

            def copy_to_hpc(**context):
                pass

            PythonOperator(task_id="copy", queue="hpc_4G", python_callable=copy_to_hpc,
                           params={"source_path": "/rds/project/archive/lims.accdb"})
        """, line=7, contains="a path on the workers of queue 'hpc_4G', where this task is routed"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        seen: set[tuple[int, int]] = set()
        queues = _custom_queues(module)
        tasks = frozenset(task.node for task in module.tasks)
        for value, fallback, hint, skipped in self._candidates(module, ctx):
            for reference in absolute_paths(value.text):
                path = reference.path
                if _allowed_path(path) or any(s <= reference.start < e for s, e in skipped):
                    continue
                node, location = location_in_static(module, value, reference.start, reference.end, fallback)
                key = (location.line, location.column)
                if key in seen:
                    continue
                seen.add(key)
                folder = next((f for f in platform.OTHER_PLATFORM_FOLDERS if is_under(path, (f.path,))), None)
                routed = _on_routed_host(path.replace(UNKNOWN, "…"), "a path",
                                         _routed_queue(module, fallback, queues, tasks))
                yield self.finding(module.path, location, routed or self._message(path, hint, folder),
                                   anchor=f"{path}\x1f{line_anchor(module.line_text(location.line), location.column)}",
                                   fix=_to_mwaa_folder(node, folder))

    @staticmethod
    def _message(path: str, hint: str, folder: compat.OtherPlatformFolder | None) -> str:
        shown = path.replace(UNKNOWN, "…")
        if folder is not None and folder.mwaa:
            where = "" if folder.always_shipped else " (migrator package carries it there when the code imports from it)"
            return (f"{shown} is the {folder.role} folder of {folder.platform}; on MWAA it is {folder.mwaa}{where}: "
                    f"use {_in_mwaa_folder(shown, folder)} (or build the path from os.path.dirname(__file__))")
        advice = hint or ("keep the data in S3 (S3Hook, S3KeySensor) or ship the file in the DAG folder "
                          "and build its path from os.path.dirname(__file__)")
        if folder is not None:
            return (f"{shown} is the {folder.role} folder of {folder.platform}, which MWAA does not have "
                    f"(its workers only have {platform.WORKER_FOLDERS}): {advice}")
        return (f"{shown} is a local path of the on-prem workers; MWAA workers only have "
                f"{platform.WORKER_FOLDERS}: {advice}")


    def _candidates(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[tuple[StaticString, ast.AST, str, list]]:
        """(value, node to fall back on, advice, spans of the value to leave alone)."""
        target = ctx.target
        remote_calls = set(_container_calls(module, ctx)) | {c for c, _ in _ssh_calls(module, target)}
        # 1. arguments of file-system calls
        for call, qualname in module.calls:
            if inside(module, call, remote_calls):
                continue
            if self._is_path_call(call, qualname, module):
                for name, argument in call_arguments(call):
                    if name is None or _PATH_ARGUMENT.search(name):
                        value = static_string(module, argument)
                        if value is not None:
                            yield value, argument, "", []
        # 2. task and DAG arguments that name files or folders (not those documented as another
        # machine's path)
        remote_parameters = compat.worker_paths().remote_path_parameters
        remote_values = {k.value for call, qualname in module.calls for k in call.keywords
                         if (qualname, k.arg) in remote_parameters}
        for site in module.arguments:
            if site.call is not None and site.call in remote_calls and not site.name.startswith("local"):
                continue
            if site.value in remote_values:
                continue
            for value, node, hint in self._argument_values(module, site):
                yield value, node, hint, []
        # 3. paths in command lines (programs and scripts are MWA004's; comments and what ssh
        # runs on another host are no worker's)
        for line in command_lines(module):
            reported = [(c.program.start, c.program.end) for c in line.commands]
            reported += [(s.start, s.end) for c in line.commands if (s := c.script())]
            reported += [span for c in line.commands if (span := c.remote_command())]
            yield line.value, line.expression, "", reported + comment_spans(line.value.text)
        # 4. module constants and parameter defaults that name a local path (not those only
        # containers use, in this module or others)
        prefix = f"{module.module_name}." if module.module_name else ""
        container_constants = {value_node for name, value_node in module.constants.items()
                               if prefix + name in ctx.index.container_only_constants}
        for name, value_node in module.constants.items():
            if _PATH_CONSTANT.search(name) and value_node not in container_constants:
                value = static_string(module, value_node)
                if value is not None and value.text.startswith("/"):
                    yield value, value_node, "", []
        for function_list in module.function_defs.values():
            for function in function_list:
                arguments = function.args
                positional = arguments.posonlyargs + arguments.args
                pairs = list(zip(positional[len(positional) - len(arguments.defaults):], arguments.defaults))
                pairs += [(a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None]
                for argument, default in pairs:
                    if _PATH_ARGUMENT.search(argument.arg) and not _REMOTE_ARGUMENT.search(argument.arg):
                        value = static_string(module, default)
                        if value is not None:
                            yield value, default, "", []
        # 5. any literal that is a path under a folder only on-prem machines have
        skipped = set(_descriptive_literals(module)) | set(_dict_keys_and_links(module)) | container_constants
        for value in remote_values:
            skipped.update(ast.walk(value))
        for value in _container_side_values(module):
            skipped.update(ast.walk(value))
        for line in command_lines(module):  # judged above, word by word
            skipped.update(ast.walk(line.expression))
        remote_arguments = {k.value for call in remote_calls if isinstance(call, ast.Call)
                            for k in call.keywords if not (k.arg or "").startswith("local")}
        # A name given to a container (environment=COMMON_ENV) stands for its value.
        remote_arguments |= {value for node in remote_arguments if isinstance(node, ast.Name)
                             and (value := name_value(module, node)) is not None}
        container_classes = _container_classes(module, target)
        for node, text in module.string_literals:
            if not text.startswith(platform.LOCAL_ROOTS) or node in skipped or \
                    inside(module, node, remote_arguments | {c for c in remote_calls
                                                                  if not isinstance(c, ast.Call)}) or \
                    _scope(module, node) in container_classes:
                continue
            parent = module.parents.get(node)
            if isinstance(parent, ast.keyword) and parent.arg and _REMOTE_ARGUMENT.search(parent.arg):
                continue
            first = absolute_paths(text)
            if first and first[0].start == 0 and first[0].path.count("/") >= 2:
                yield StaticString((Piece(text, node),)), node, "", [(first[0].end, len(text) + 1)]

    @staticmethod
    def _is_path_call(call: ast.Call, qualname: str | None, module: ModuleFacts) -> bool:
        if qualname is None:
            func = call.func
            if isinstance(func, ast.Name):
                return func.id == "open" and "open" not in module.function_defs
            return isinstance(func, ast.Attribute) and bool(_PATH_METHOD.match(func.attr))
        return qualname in _PATH_FUNCTIONS or qualname.startswith(_PATH_FUNCTION_PREFIXES)

    def _argument_values(self, module: ModuleFacts, site: ArgumentSite) -> Iterator[tuple[StaticString, ast.AST, str]]:
        hint = ""
        if site.owner == "task" and short_name(site.qualname).startswith("FileSensor"):
            hint = "wait for the object in S3 with S3KeySensor instead"
        if _PATH_ARGUMENT.search(site.name) and not _REMOTE_ARGUMENT.search(site.name):
            yield from _strings_in(module, site.value, hint)
        elif site.name in ("op_kwargs", "params", "env", "environment", "op_args"):
            for key, value in _dict_items(site.value):
                if key is None or (_PATH_ARGUMENT.search(key) and not _REMOTE_ARGUMENT.search(key)):
                    yield from _strings_in(module, value, hint)


def _strings_in(module: ModuleFacts, node: ast.AST, hint: str) -> Iterator[tuple[StaticString, ast.AST, str]]:
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for element in node.elts:
            yield from _strings_in(module, element, hint)
        return
    value = static_string(module, node)
    if value is not None:
        yield value, node, hint


def _dict_items(node: ast.AST) -> Iterator[tuple[str | None, ast.AST]]:
    if isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            yield (key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None), value
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            yield None, element


# -- executor, queues, pools, SMTP -----------------------------------------------------------------


_READS_SCHEMA_FILEPATH = 'from airflow.models import Variable\n\nSCHEMAS = Variable.get("schema_filepath")\n'
_RUNS_UNLOAD_SQL = ('from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator\n\n'
                    'UNLOAD = SQLExecuteQueryOperator(task_id="unload", conn_id="dw", sql="sql/unload.sql")\n')


class OtherPlatformPathInVariable(ProjectRule):
    """
    ## What it does
    Reports an Airflow Variable the project defines (a variables export, `AIRFLOW_VAR_*`,
    Astronomer's `airflow_settings.yaml`) whose value is a path into a folder another platform
    mounts: Cloud Composer's `/home/airflow/gcs/dags`, `plugins` and `data`, the docker-compose
    stack's `/opt/airflow/dags`, when some code or template reads it (its key appears in the
    project's Python, SQL or template files, not only in the export or a README).

    ## Why it matters on MWAA
    DAG code reads these paths through `Variable.get`, so no scan of the code sees them; on
    MWAA the folder is not there and the file read fails (`FileNotFoundError`), often while
    the DAG file loads. The DAG and plugins folders are MWAA's under `/usr/local/airflow`;
    Composer's `data/` folder, synced from its bucket, has no MWAA counterpart.

    ## Example
    ```json
    {"schema_filepath": "/home/airflow/gcs/dags/schemas/"}
    ```

    ## Fix
    Set the variable, where MWAA reads it (Secrets Manager `airflow/variables/<key>` or the
    metadata database), to MWAA's folder (`/usr/local/airflow/dags/schemas/`); keep data from a
    `data/` folder in S3. When the files it names are a project folder outside the DAG folder
    (a repository-root `schemas/` that only the other platform's deploy script copies into its
    DAG folder), put that folder in the DAG folder too (or in S3).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    - https://cloud.google.com/composer/docs/composer-2/cloud-storage
    """

    id = "MWA019"
    name = "other-platform-path-in-variable"
    severity = Severity.ERROR
    summary = "Variable value is a path into another platform's folder"
    valid = (Valid(files={"variables.json": '{"schema_filepath": "/usr/local/airflow/dags/schemas/"}\n',
                          "dags/load.py": _READS_SCHEMA_FILEPATH}),
             # Any other local path in a value may be a remote host's: only the known mounts are claimed.
             Valid(files={"variables.json": '{"remote_dir": "/home/etl/outbound"}\n',
                          "dags/send.py": 'from airflow.models import Variable\n\nREMOTE = Variable.get("remote_dir")\n'}),
             # A variable no code or template reads (only the export and the README name it) breaks nothing.
             Valid(files={"variables.json": '{"output_path": "/home/airflow/gcs/data/"}\n',
                          "README.md": "| output_path | shared output folder |\n",
                          "dags/export.py": 'from airflow.models import Variable\n\nOUT = Variable.get("local_output_path")\n'}))
    invalid = (Invalid(files={"variables.json": '{\n  "schema_filepath": "/home/airflow/gcs/dags/schemas/"\n}\n',
                              "dags/load.py": _READS_SCHEMA_FILEPATH},
                       line=2, contains="set it to /usr/local/airflow/dags/schemas/"),
               # The files are the repository's schemas/, which only Composer's deploy script copies
               # into dags/: the bundle must carry them too.
               Invalid(files={"variables.json": '{\n  "schema_filepath": "/home/airflow/gcs/dags/schemas/"\n}\n',
                              "dags/load.py": _READS_SCHEMA_FILEPATH, "schemas/orders.json": "{}\n",
                              "deploy.sh": "gsutil -m cp -r schemas/* gs://$BUCKET/dags/schemas/\n"},
                       line=2, contains="put schemas/ in the DAG folder (or keep it in S3) and set the variable "
                                        "to /usr/local/airflow/dags/schemas/"),
               # Read by a template the DAG folder ships.
               Invalid(files={".env": "AIRFLOW_VAR_OUTPUT_PATH=/home/airflow/gcs/data/\n",
                              "dags/unload.py": _RUNS_UNLOAD_SQL,
                              "dags/sql/unload.sql": "COPY t TO '{{ var.value.output_path }}/t.csv';\n"}, line=1,
                       contains="data folder of Cloud Composer, which MWAA does not have"))

    def check(self, project, ctx):
        flagged = []
        for variable in project.connections.variables:
            value = (variable.value or "").strip()
            folder = next((f for f in platform.OTHER_PLATFORM_FOLDERS if is_under(value, (f.path,))), None)
            if folder is not None:
                flagged.append((variable, value, folder))
        # A variable nothing reads breaks nothing, whatever its value.
        read = mentioned_keys(project.workspace, {v.key for v, _, _ in flagged},
                              {v.path for v, _, _ in flagged}) if flagged else frozenset()
        for variable, value, folder in flagged:
            if variable.key.lower() not in read:
                continue
            unshipped = _unshipped_project_path(project.workspace, value, folder) if folder.mwaa else None
            if unshipped:
                advice = (f"on MWAA it is {folder.mwaa}, where the bundle does not put the project's {unshipped} "
                          f"(only {folder.platform}'s deployment copies it there): put {unshipped} in the "
                          f"{folder.role} folder (or keep it in S3) and set the variable to {_in_mwaa_folder(value, folder)}")
            elif folder.mwaa:
                advice = f"on MWAA it is {folder.mwaa}: set it to {_in_mwaa_folder(value, folder)}"
            else:
                advice = "which MWAA does not have: keep the data in S3 (S3Hook) and store its S3 URI"
            yield self.finding(variable.path, Location(variable.line, 1, variable.line, 2),
                               f"variable {variable.key} = {value} is the {folder.role} folder of {folder.platform}"
                               f"{'; ' if folder.mwaa else ', '}{advice}",
                               anchor=f"{variable.key}\x1fother-platform-path")


def _unshipped_project_path(workspace, value: str, folder: compat.OtherPlatformFolder) -> str | None:
    """The project's path a value under another platform's folder names, when the bundle's
    folder of that role lacks it but the project has it elsewhere (Composer deploy scripts copy
    a repository-root ``schemas/`` into ``dags/``): ``schemas/``. None when the folder ships it
    or the project has no such path."""
    rest = value[len(folder.path):].strip("/")
    if not rest:
        return None
    shipped = workspace.dag_folders if folder.role == "DAG" else [workspace.plugins_folder or ""]
    if any(f and workspace.path(rest if f == "." else f"{f}/{rest}").exists() for f in shipped):
        return None
    bases = dict.fromkeys(["", *(f.rpartition("/")[0] for f in shipped if f and f != ".")])
    found = next((f"{base}/{rest}" if base else rest for base in bases
                  if workspace.path(f"{base}/{rest}" if base else rest).exists()), None)
    return found and found + ("/" if value.endswith("/") else "")


class ExecutorConfigRule(PythonRule):
    """
    ## What it does
    Reports `executor_config` on tasks or in `default_args` (Kubernetes `pod_override`s and
    other per-task executor settings).

    ## Why it matters on MWAA
    MWAA always runs the CeleryExecutor. `executor_config` is read only by the Kubernetes
    executors, so on MWAA it is silently ignored: a task that was given a bigger pod runs with
    the worker's normal share of CPU and memory. Building the `V1Pod` also needs the `kubernetes`
    package, which MWAA does not preinstall.

    ## Example
    ```python
    PythonOperator(task_id="score", python_callable=score,
                   executor_config={"pod_override": k8s.V1Pod(...)})
    ```

    ## Fix
    Remove `executor_config`; size the environment class (or lower `celery.worker_autoscale`) for
    the heaviest task, or run that work in a container on ECS/EKS.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html
    """

    id = "MWA009"
    name = "executor-config"
    severity = Severity.WARNING
    summary = "executor_config is ignored by MWAA's CeleryExecutor"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.operators.python import PythonOperator

            PythonOperator(task_id="a", python_callable=print, pool="default_pool")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.python import PythonOperator

            PythonOperator(task_id="a", python_callable=print, executor_config={"pod_override": None})
        """, line=3, contains="CeleryExecutor"),
        Invalid("""
            from airflow import DAG

            default_args = {"owner": "x", "executor_config": {"KubernetesExecutor": {"request_memory": "2Gi"}}}
            DAG("d", default_args=default_args, schedule=None)
        """, line=3),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for site in module.arguments:
            if site.name != "executor_config" or site.owner == "dag":
                continue
            yield self.at_node(
                module, site.node,
                "executor_config is ignored on MWAA, which always runs the CeleryExecutor: the task "
                "gets a normal worker slot; size the environment class for it or run the work on ECS/EKS",
                fix=Fix.make(FixSafety.SAFE, "remove executor_config (MWAA ignores it)",
                             kind="remove-argument", name="executor_config"))


class CustomQueueRule(PythonRule):
    """
    ## What it does
    Reports tasks (and `default_args`) that send work to a Celery queue other than the default,
    e.g. `queue="spark"` for the workers on the Hadoop edge nodes.

    ## Why it matters on MWAA
    MWAA's workers consume one SQS queue that MWAA creates; custom queues are not allowed and no
    worker listens on another name. A task sent to `queue="spark"` stays queued until it times
    out.

    ## Example
    ```python
    BashOperator(task_id="compact", bash_command="...", queue="spark")
    ```

    ## Fix
    Remove `queue=`. Work that needed special workers must move to a service that provides
    them (EMR, ECS, Glue), or to a separate MWAA environment.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-faqs.html
    """

    id = "MWA010"
    name = "custom-queue"
    severity = Severity.ERROR
    summary = "Task sent to a Celery queue no MWAA worker consumes"
    fix_safety = FixSafety.UNSAFE
    valid = (
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo", queue="default")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="compact", bash_command="echo", queue="spark")
        """, line=3, contains="'spark'"),
        Invalid("""
            from airflow import DAG

            default_args = {"owner": "x", "queue": "hadoop"}
            dag = DAG("d", default_args=default_args, schedule=None)
        """, line=3, contains="'hadoop'"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for site in module.arguments:
            if site.name != "queue" or site.owner == "dag":
                continue
            queue = const_str(site.value)
            if queue is None or queue in platform.DEFAULT_QUEUES:
                continue
            where = "default_args sends every task" if site.owner == "default_args" else "this task goes"
            yield self.at_node(
                module, site.node,
                f"queue '{queue}': {where} to a Celery queue no MWAA worker consumes (MWAA workers read "
                f"only the environment's own SQS queue; custom queues are not allowed); remove queue= "
                f"and move work that needed those workers to EMR, ECS or Glue",
                fix=Fix.make(FixSafety.UNSAFE, "remove queue= (the task then runs on MWAA's workers)",
                             kind="remove-argument", name="queue"))


class UndefinedPoolRule(PythonRule):
    """
    ## What it does
    Reports tasks (and `default_args`) that use a pool other than `default_pool`. When the
    project defines the pool (a pool export, a `pools*.csv` table of `pool_name,slots`,
    `airflow_settings.yaml`, an `airflow pools set` line), the message names that file and the
    slot count; otherwise it says the pool is defined nowhere.

    ## Why it matters on MWAA
    A new MWAA environment has only `default_pool`, and nothing creates the others: MWAA reads
    no pool files and runs no setup scripts. Airflow does not schedule tasks of a pool that does
    not exist, so they sit in the scheduled state. The `airflow pools` commands are not
    available through MWAA's CLI endpoint, so pools must be created in the UI or through the
    REST API before the DAGs run.

    ## Example
    ```python
    BashOperator(task_id="stage", bash_command="...", pool="warehouse_pool")
    ```

    ## Fix
    Create the pool in the MWAA environment with the slot count of the on-prem pool, in the UI
    (Admin > Pools) or through the REST API:
    `aws mwaa invoke-rest-api --name ENV --method POST --path /pools --body '{"name": "warehouse_pool", "slots": 4}'`.
    Keep a pool export in the project so the pools can be recreated.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-cli-command-reference.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/access-mwaa-apache-airflow-rest-api.html
    - https://airflow.apache.org/docs/apache-airflow/stable/administration-and-deployment/pools.html
    """

    id = "MWA011"
    name = "undefined-pool"
    severity = Severity.WARNING
    summary = "Pool used by tasks that a new MWAA environment does not have"
    valid = (
        Valid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo", pool="default_pool")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo", pool="warehouse_pool")
        """, line=3, contains="'warehouse_pool' is not defined anywhere in the project"),
        # Defined in a pool table the team loads on-prem: MWAA does not read it, the pool must
        # still be created there.
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo", pool="warehouse_pool")
        """, files={"config/pools_info.csv": "pool_name,slots\nwarehouse_pool,4\n"}, line=3,
            contains="defined in config/pools_info.csv:2 (4 slots), which MWAA does not apply"),
        # The same for a pool export.
        Invalid("""
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo", pool="warehouse_pool")
        """, files={"pools.json": '{"warehouse_pool": {"slots": 4, "description": ""}}'}, line=3,
            contains='--path /pools --body \'{"name": "warehouse_pool", "slots": 4}\''),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for site in module.arguments:
            if site.name != "pool" or site.owner == "dag":
                continue
            pool = const_str(site.value)
            if pool is None or pool in platform.DEFAULT_POOLS:
                continue
            definition = ctx.index.pool_definition(pool)
            if definition is None:
                yield self.at_node(
                    module, site.node,
                    f"pool '{pool}' is not defined anywhere in the project: create it in the MWAA "
                    f"environment (Admin > Pools, or POST /pools through the REST API) before these tasks "
                    f"run, or they are never scheduled")
                continue
            slots = {None: "slots not given", 1: "1 slot"}.get(definition.slots, f"{definition.slots} slots")
            yield self.at_node(
                module, site.node,
                f"pool '{pool}' is defined in {definition.path}:{definition.line} ({slots}), which MWAA "
                f"does not apply: a new environment has only default_pool, so create it before these "
                f"tasks run or they are never scheduled: "
                f"{platform.create_pool_command(pool, definition.slots)} (or Admin > Pools)")


def _int_value(module: ModuleFacts, node: ast.AST | None) -> tuple[int, ast.AST] | None:
    """An int literal, directly or through a name assigned once; with the literal's node."""
    for _ in range(4):
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return node.value, node
        if isinstance(node, ast.Name):
            node = name_value(module, node)
            continue
        return None
    return None


class SmtpPort25Rule(PythonRule):
    """
    ## What it does
    Reports SMTP connections made in code on port 25 (`smtplib.SMTP(host, 25)`, also through a
    constant such as `SMTP_PORT = 25`).

    ## Why it matters on MWAA
    Outbound traffic to port 25 is blocked from MWAA; the connection times out and the alert or
    report is never sent.

    ## Example
    ```python
    smtplib.SMTP("smtp.corp.local", 25)
    ```

    ## Fix
    Send through port 587 with STARTTLS (or 465 with SSL), for example the Amazon SES SMTP
    endpoint with credentials kept in an Airflow connection.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    - https://docs.aws.amazon.com/ses/latest/dg/smtp-connect.html
    """

    id = "MWA012"
    name = "smtp-port-25"
    severity = Severity.ERROR
    summary = "SMTP on port 25, which MWAA blocks"
    needs_airflow_import = False
    valid = (
        Valid("""
            import smtplib

            with smtplib.SMTP("email-smtp.us-east-1.amazonaws.com", 587) as relay:
                relay.starttls()
        """),
    )
    invalid = (
        Invalid("""
            import smtplib

            SMTP_PORT = 25

            def send(msg):
                with smtplib.SMTP("smtp.corp.acme.local", SMTP_PORT, timeout=10) as relay:
                    relay.send_message(msg)
        """, line=3, contains="587"),
        Invalid("""
            from smtplib import SMTP

            SMTP(host="relay", port=25)
        """, line=3),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for call, qualname in module.calls:
            if qualname not in ("smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP"):
                continue
            port = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "port"), None)
            found = _int_value(module, port)
            if found and found[0] in platform.BLOCKED_SMTP_PORTS:
                yield self.at_node(module, found[1],
                                   f"SMTP on port {found[0]} is blocked from MWAA: {platform.SMTP_ADVICE}")


class ScriptDependencyRule(ProjectRule):
    """
    ## What it does
    Reports, in the shell scripts of the DAG folders that tasks run (`.sh` files that DAG or
    plugin code names, e.g. in a `bash_command`, or that such a script runs), programs MWAA workers do not have (`hdfs`, `kinit`, `spark-submit`,
    `psql`, ...) and absolute local paths outside the folders MWAA fills under
    `/usr/local/airflow` (DAGs, plugins, requirements) and `/tmp`. Files under the system
    folders only root can write (`/var/log`, `/var/run`) are reported as writes that fail; a pid
    file there only when the script stops at the failed write (`set -e`).

    ## Why it matters on MWAA
    The scripts ship to MWAA with the DAG folder, but the programs and the NFS shares they use
    stay on the on-prem workers: the task fails with "command not found" or "No such file or
    directory" when the script runs. `/var/log` and `/var/run` exist on the workers, but tasks
    run as the airflow user, so a log or pid file there fails with "Permission denied".

    ## Example
    ```bash
    kinit -kt /home/airflow/keys/etl.keytab etl@CORP.ACME.LOCAL
    hdfs dfs -test -d "hdfs:///warehouse/raw/${table}"
    ```

    ## Fix
    Replace the program with the AWS service or provider operator that does the work (EMR steps,
    S3 operators, SQLExecuteQueryOperator); keep data in S3 instead of local shares. A client that
    must run on the worker can be installed by `startup.sh`. Write logs and pid files to `/tmp`,
    or logs to stdout, which Airflow keeps in the task log.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    """

    id = "MWA013"
    name = "script-local-dependency"
    severity = Severity.ERROR
    summary = "Shell script in the DAG folder runs programs or uses paths MWAA lacks"
    valid = (
        Valid(files={"dags/scripts/ok.sh": "#!/usr/bin/env bash\n# reads /data/x in the old days\n"
                     "set -euo pipefail\ntar -cf /tmp/x.tar \"$1\"\necho done > /dev/null\n",
                     "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/ok.sh x'\n"}),
        # No task runs a script the code never names: a manual set-up step, a server's cron job.
        Valid(files={"dags/ddls/create_tables.sh": "#!/usr/bin/env bash\nbq mk --table raw.events\n",
                     "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/load.sh'\n"}),
        # A quoted variable before "/" makes no absolute path.
        Valid(files={"dags/scripts/report.sh": "#!/usr/bin/env bash\n"
                     "python \"${ROOT_DIR}\"/jobs/report.py && cp \"$(pwd)\"/out.csv \"$OUT\"\n",
                     "dags/d.py": "from airflow import DAG\nCMD = 'scripts/report.sh '\n"}),
        # A pid file the airflow user cannot write, in a script that goes on after the failed
        # write: only a cron-era overlap guard is lost.
        Valid(files={"dags/scripts/refresh.sh": "PID_FILE=/var/run/refresh.pid\n"
                     "[ -e $PID_FILE ] && exit\necho $$ > \"$PID_FILE\"\npython -m refresh > /tmp/refresh.log\n",
                     "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/refresh.sh'\n"}),
    )
    invalid = (
        Invalid(files={"dags/scripts/rerun.sh": "#!/usr/bin/env bash\nset -e\n"
                       "kinit -kt /home/airflow/keys/etl.keytab etl@R\nhdfs dfs -ls /\n",
                       "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/rerun.sh'\n"},
                line=3, contains="kinit"),
        # A script that a script the DAG runs calls runs on the worker too.
        Invalid(files={"dags/scripts/archive.sh": "ARCHIVE_ROOT=\"/data/archive/pos\"\n",
                       "dags/scripts/nightly.sh": "#!/usr/bin/env bash\n. \"$(dirname \"$0\")/archive.sh\"\n",
                       "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/nightly.sh'\n"},
                line=1, contains="/data/archive/pos"),
        # ssh is the worker's program; the paths of the command it sends are the remote host's.
        Invalid(files={"dags/scripts/submit.sh": "#!/usr/bin/env bash\n"
                       "ssh -i \"$KEY\" hpc \"qsub /rds/project/jobs/align.sh\"\n",
                       "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/submit.sh'\n"}, line=2, contains="ssh (OpenSSH client)"),
        # /var/log is there but root's: the redirect fails; the remedy is /tmp or stdout, not S3.
        Invalid(files={"dags/scripts/refresh.sh": "LOG_FILE=/var/log/refresh.log\n"
                       "python -m refresh >> $LOG_FILE 2>&1\n",
                       "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/refresh.sh'\n"},
                line=1, contains="stdout"),
        # With set -e, the failed pid-file write stops the script.
        Invalid(files={"dags/scripts/refresh.sh": "#!/usr/bin/env bash\nset -e\nPID_FILE=/var/run/refresh.pid\n"
                       "echo $$ > \"$PID_FILE\"\n",
                       "dags/d.py": "from airflow import DAG\nCMD = 'bash {{ dag.folder }}/scripts/refresh.sh'\n"},
                line=3, contains="/var/run/refresh.pid cannot be written"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
        workspace = project.workspace
        binaries = airflow_api.missing_binaries()
        scripts = [s for s in template_files(workspace.root, workspace.dag_folders) if s.is_script]
        for script in scripts_run(scripts, {n for m in project.modules for n in m.script_names}):
            for number, raw in enumerate(script.lines, 1):
                line = without_comments(raw)
                if not line.strip():
                    continue
                skipped = []  # programs (reported above) and what ssh runs on another host
                for command in commands(line):
                    skipped.append((command.program.start, command.program.end))
                    if (remote := command.remote_command()) is not None:
                        skipped.append(remote)
                    missing = binaries.get(command.name)
                    if missing is not None:
                        yield self._at(script.path, number, command.program.start, command.program.end, raw,
                                       f"{command.name} ({missing.provides}) is not installed on MWAA "
                                       f"workers: {missing.advice}")
                for reference in absolute_paths(line):
                    path = reference.path
                    if _allowed_path(path) or any(s <= reference.start < e for s, e in skipped):
                        continue
                    if is_under(path, platform.ROOT_OWNED_PREFIXES):
                        # A pid file that cannot be written only turns off an overlap guard,
                        # unless the script stops at the failed write.
                        if path.endswith(platform.PID_FILE_SUFFIX) and not stops_on_error(script.text):
                            continue
                        message = f"{path} cannot be written on MWAA: {platform.ROOT_OWNED_ADVICE}"
                    else:
                        message = (f"{path} is a local path of the on-prem workers; MWAA workers only have "
                                   f"{platform.WORKER_FOLDERS}: keep the data in S3")
                    yield self._at(script.path, number, reference.start, reference.end, raw, message)

    def _at(self, path: str, line: int, start: int, end: int, text: str, message: str) -> Finding:
        return self.finding(path, Location(line, start + 1, line, end + 1), message,
                            anchor=f"{line_anchor(text, start + 1)}\x1f{message}")
