"""The MWAA environment as data: what the CloudFormation and Terraform renderers both write.

Built from facts only: the target version, ``migrator size``'s recommendation, the bundle
``migrator package`` wrote (its ``mwaa-config.json`` and which files it has) and what the code
asks of AWS (``usage``). The execution role's policy is least privilege: the base statements
MWAA needs, reads of the secrets backend's prefixes, S3 on the buckets the DAGs name, and the
actions of the AWS services the DAGs call, each statement saying which files need it.

Resource ARNs stay templates with ``{partition}``, ``{region}``, ``{account}``,
``{environment}`` and ``{bucket_arn}``; each renderer fills them with its own references.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from migrator.aws_native import EksPodTask, TaskDefinition, image_location
from migrator.bundle.model import MWAA_CONFIG, REQUIREMENTS, STARTUP
from migrator.bundle.model import PLUGINS_ZIP as PLUGINS
from migrator.compat.aws_native import docker_to_ecs, fargate_size, pod_to_eks
from migrator.compat.iam import (
    StatementTemplate,
    base_statements,
    container_task_permissions,
    dag_bucket_permissions,
    default_secrets_prefixes,
    secrets_backend_permissions,
    service_permissions,
)
from migrator.compat.mwaa import MwaaVersion
from migrator.compat.vpc import ALWAYS, CONTAINER_TASKS, VpcEndpoint, vpc_endpoints
from migrator.errors import InputError
from migrator.infra.usage import AwsUsage

CONFIG_KEY = "AirflowConfigurationOptions"  # the options' key in the bundle's mwaa-config.json

# MWAA's CreateEnvironment Name pattern and length (API reference).
NAME_PATTERN = r"^[a-zA-Z][0-9a-zA-Z\-_]*$"
NAME_MAX_LENGTH = 80

# Log types and the level each is sent to CloudWatch at: task logs at INFO (what users read),
# the components at WARNING (INFO from the scheduler and DAG processor costs more than it tells).
LOG_LEVELS = {"DagProcessingLogs": "WARNING", "SchedulerLogs": "WARNING", "TaskLogs": "INFO",
              "WebserverLogs": "WARNING", "WorkerLogs": "WARNING"}
WEBSERVER_ACCESS_MODES = ("PRIVATE_ONLY", "PUBLIC_ONLY")
# Parts of an interrupted upload are removed after this many days. Old object versions are kept:
# the environment may still name one.
INCOMPLETE_UPLOAD_DAYS = 7

# The VPC --create-vpc makes: two private subnets (MWAA needs exactly two, in different
# Availability Zones), room for the environment's and the ECS tasks' network interfaces.
VPC_CIDR = "10.192.0.0/16"
PRIVATE_SUBNET_CIDRS = ("10.192.10.0/24", "10.192.11.0/24")

ECS_TASKS_TRUST = "ecs-tasks.amazonaws.com"  # the principal of a task execution role (ECS DG task_execution_IAM_role)
ECS_SERVICE = "ecs"  # the service id of EcsRunTaskOperator's generic statements (iam_actions.json)

# Files named in one policy comment; the rest are counted.
FILES_SHOWN = 8

PLACEHOLDER = re.compile(
    r"\{(partition|region|account|url_suffix|environment|bucket_arn|task_execution_role_arn|eks_cluster)\}")
_LITERAL = re.compile(r"\{(bucket|prefix|family|cluster|log_group|repository_arn)\}")


@dataclass(frozen=True)
class Statement:
    """One statement of the execution role's policy; ``comment`` says why and for which files."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    effect: str = "Allow"
    condition: Mapping[str, Mapping[str, list[str]]] | None = None
    comment: tuple[str, ...] = ()


@dataclass(frozen=True)
class BundleFacts:
    """What the bundle ``migrator package`` built holds, as the environment points at it."""

    configuration: dict[str, str]
    parts: frozenset[str]  # of PLUGINS, REQUIREMENTS, STARTUP

    @classmethod
    def read(cls, bundle: Path) -> BundleFacts:
        config = bundle / MWAA_CONFIG
        try:
            options = json.loads(config.read_text(encoding="utf-8")).get(CONFIG_KEY, {})
        except (OSError, ValueError, AttributeError) as exc:
            raise InputError(f"{config}: not a bundle's {MWAA_CONFIG} ({exc}); build it with "
                             "`migrator package`") from None
        parts = frozenset(p for p in (PLUGINS, REQUIREMENTS, STARTUP) if (bundle / p).is_file())
        return cls({str(k): str(v) for k, v in sorted(options.items())}, parts)


@dataclass(frozen=True)
class ContainerTask:
    """One ECS Fargate task definition the environment runs: the tasks of one image the
    Docker and pod tasks the AWS-native rewrite (migrator.aws_native) turned into EcsRunTaskOperator tasks."""

    family: str                   # the task definition and container name the rewritten DAGs use
    image: str                    # the image as the DAGs named it
    image_uri: str                # what the task definition pulls (a template when the ECR repository is ours)
    cpu: int                      # Fargate task size
    memory: int
    log_group: str
    repository: str | None        # the ECR repository the templates create for the image
    repository_arn: str | None    # the ECR repository the task pulls from (None: a public registry)
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class EksAccess:
    """What the execution role needs on the EKS cluster the pod tasks run on (its name is a
    parameter: the cluster is the team's own): an access entry with ``policy`` on
    ``namespaces`` (none known: no access entry, a note says so)."""

    namespaces: tuple[str, ...]
    policy: str                   # an ARN template
    files: tuple[str, ...]        # the DAG files whose pod tasks name those namespaces


@dataclass(frozen=True)
class VpcSpec:
    """A VPC without internet access for the environment: private subnets, a security group
    that lets its members talk to each other, and the endpoints that reach AWS instead."""

    cidr: str
    subnet_cidrs: tuple[str, ...]
    endpoints: tuple[VpcEndpoint, ...]


@dataclass(frozen=True)
class EnvironmentSpec:
    name: str
    airflow_version: str
    environment_class: str
    min_workers: int
    max_workers: int
    schedulers: int
    configuration: dict[str, str]
    parts: frozenset[str]
    statements: tuple[Statement, ...]
    notes: tuple[str, ...] = ()  # what the templates cannot know or do: left to a human
    container_tasks: tuple[ContainerTask, ...] = ()
    ecs_cluster: str | None = None   # the cluster the rewritten tasks run on (with container tasks)
    task_execution_statements: tuple[Statement, ...] = ()  # of the ECS task execution role
    task_network_outputs: tuple[tuple[str, str, int], ...] = ()  # (Airflow Variable, "subnet"/"security_group", index)
    vpc: VpcSpec | None = None  # None: the environment goes into subnets and security groups given as parameters
    eks: EksAccess | None = None  # the EKS cluster the pod tasks run on

    @property
    def ecr_repositories(self) -> tuple[str, ...]:
        return tuple(sorted({t.repository for t in self.container_tasks if t.repository}))


def environment_name(text: str) -> str:
    """``text`` as an MWAA environment name: other characters become hyphens, a letter first."""
    name = re.sub(r"[^0-9a-zA-Z\-_]+", "-", text).strip("-_") or "airflow"
    if not name[0].isalpha():
        name = f"airflow-{name}"
    return name[:NAME_MAX_LENGTH]


def check_environment_name(name: str) -> str:
    if not re.match(NAME_PATTERN, name) or len(name) > NAME_MAX_LENGTH:
        raise InputError(f"--name {name!r}: an MWAA environment name starts with a letter and has "
                         f"only letters, digits, hyphens and underscores (at most {NAME_MAX_LENGTH})")
    return name


def files_text(files: Iterable[str]) -> str:
    ordered = sorted(files)
    shown = ", ".join(ordered[:FILES_SHOWN])
    more = len(ordered) - FILES_SHOWN
    return shown + (f" (+{more} more)" if more > 0 else "")


def _fill_literals(template: str, **values: str) -> str:
    return _LITERAL.sub(lambda m: values[m.group(1)], template)


def _statement(template: StatementTemplate, sid: str, comment: Iterable[str]) -> Statement:
    star = [f"Resource \"*\": {template.star_reason}"] if template.star_reason else []
    return Statement(sid=sid, actions=template.actions, resources=template.resources,
                     not_resources=template.not_resources, effect=template.effect,
                     condition=template.condition, comment=(*comment, *star))


def _sid(*parts: str) -> str:
    return "".join(p[:1].upper() + p[1:] for part in parts for p in re.split(r"[^0-9a-zA-Z]+", part) if p)


def secrets_statements(configuration: Mapping[str, str]) -> tuple[list[Statement], list[str]]:
    """Reads of the prefixes the configured secrets backend looks under, and notes for what
    the role cannot know (another backend, unreadable kwargs)."""
    backend = configuration.get("secrets.backend")
    if not backend:
        return [], []
    permissions = secrets_backend_permissions(backend)
    if permissions is None:
        return [], [f"secrets.backend is {backend}: grant the execution role what that backend reads"]
    try:
        kwargs = json.loads(configuration.get("secrets.backend_kwargs") or "{}")
    except ValueError:
        return [], ["secrets.backend_kwargs is not JSON: grant the backend's reads by hand"]
    prefixes = {**default_secrets_prefixes(), **{k: v for k, v in kwargs.items() if k.endswith("_prefix")}}
    # A prefix set to null turns that lookup off (the provider's SecretsManagerBackend).
    chosen = sorted({str(p).rstrip("/").removeprefix(permissions.prefix_trim) for p in prefixes.values() if p})
    statement = Statement(
        sid="ReadAirflowSecrets", actions=permissions.actions,
        resources=tuple(_fill_literals(permissions.resource, prefix=p) for p in chosen),
        comment=(f"{backend.rpartition('.')[2]}: the connections and variables under " + ", ".join(chosen),))
    return [statement], []


def bucket_statements(usage: AwsUsage) -> list[Statement]:
    s3 = dag_bucket_permissions()
    if not usage.buckets:
        return []
    # The first statement lists the buckets with their files; the others say "the same".
    comment: tuple[str, ...] = ("buckets the DAGs name:", *(f"{bucket}: {files_text(files)}"
                                                          for bucket, files in sorted(usage.buckets.items())))
    statements = []
    for template in s3.statements:
        resources = tuple(_fill_literals(r, bucket=b) for b in sorted(usage.buckets) for r in template.resources)
        statements.append(Statement(template.sid, template.actions, resources, comment=comment))
        comment = ("the same buckets",)
    return statements


def service_statements(usage: AwsUsage) -> list[Statement]:
    statements = []
    for service in service_permissions():
        files = usage.services.get(service.id)
        if not files:
            continue
        numbered = len(service.statements) > 1
        for index, template in enumerate(service.statements, 1):
            sid = _sid(service.id, str(index) if numbered else "")
            statements.append(_statement(template, sid, [f"{service.what}: {files_text(files)}"]))
    return statements


def execution_statements(usage: AwsUsage, configuration: Mapping[str, str]
                         ) -> tuple[tuple[Statement, ...], tuple[str, ...]]:
    """The role's statements, and what it cannot grant (left to a human)."""
    statements = [_statement(t, t.sid, [t.why]) for t in base_statements()]
    secrets, notes = secrets_statements(configuration)
    statements += secrets + bucket_statements(usage) + service_statements(usage)
    if usage.unknown_buckets:
        notes.append("S3 buckets not named in the code (a Variable, a template or an argument "
                      "built at run time): grant the execution role s3 on them by hand for "
                      + files_text(usage.unknown_buckets))
    return tuple(statements), tuple(notes)


def resource_names(tasks: Iterable[ContainerTask]) -> dict[str, str]:
    """Family -> a name of letters and digits for its template resources, unique (``a-b`` and
    ``a_b`` would both be ``AB``: the second gets a number)."""
    names: dict[str, str] = {}
    for task in tasks:
        name = _sid(task.family)
        while name in names.values():
            name = f"{_sid(task.family)}{len(names)}"
        names[task.family] = name
    return names


def container_task(definition: TaskDefinition) -> ContainerTask:
    """The ECS resources of one task definition: its Fargate size (the smallest when no task
    asks for one), its log group, and where its image comes from (ECR for a private registry)."""
    facts = docker_to_ecs()
    cpu, memory = ((definition.cpu, definition.memory) if definition.cpu and definition.memory
                   else fargate_size(None, None))
    location = image_location(definition.image)
    repository = repository_arn = None
    image_uri = definition.image
    if ecr := location.ecr:
        repository_arn = (f"arn:{{partition}}:ecr:{ecr.group('region')}:{ecr.group('account')}:"
                          f"repository/{location.repository}")
    elif not location.public:
        repository = location.repository
        repository_arn = f"arn:{{partition}}:ecr:{{region}}:{{account}}:repository/{repository}"
        image_uri = f"{{account}}.dkr.ecr.{{region}}.{{url_suffix}}/{repository}{location.reference}"
    return ContainerTask(definition.family, definition.image, image_uri, cpu, memory,
                         facts.log_group_prefix + definition.family, repository, repository_arn,
                         definition.dag_files)


@dataclass(frozen=True)
class _EcsEnvironment:
    usage: AwsUsage                # the project's usage, less what the container statements cover
    cluster: str | None
    statements: tuple[Statement, ...]
    task_execution_statements: tuple[Statement, ...]
    notes: tuple[str, ...]
    network_outputs: tuple[tuple[str, str, int], ...]


def _filled(template: StatementTemplate, sid: str, comment: Iterable[str], fills: list[dict[str, str]],
            ) -> Statement:
    """``template`` with its literal fields filled once per entry of ``fills`` (duplicates once)."""
    resources = tuple(dict.fromkeys(_fill_literals(r, **f) for f in fills for r in template.resources))
    condition = ({op: {key: list(dict.fromkeys(_fill_literals(v, **f) for f in fills for v in values))
                       for key, values in tests.items()} for op, tests in template.condition.items()}
                 if template.condition else None)
    return replace(_statement(template, sid, comment), resources=resources, condition=condition)


def container_task_environment(tasks: tuple[ContainerTask, ...], usage: AwsUsage) -> _EcsEnvironment:
    """The statements that run exactly ``tasks``: ``ecs:RunTask`` on their task definitions in
    the rewrite's cluster, ``iam:PassRole`` of their task execution role to ECS only, reads of
    their logs; and the task execution role's pulls and log writes. The generic ECS statements
    go when only the rewritten files use ECS."""
    if not tasks:
        return _EcsEnvironment(usage, None, (), (), (), ())
    facts = docker_to_ecs()
    permissions = container_task_permissions()
    task_files = {f for t in tasks for f in t.files}
    if usage.services.get(ECS_SERVICE, set()) <= task_files:
        usage = replace(usage, services={k: v for k, v in usage.services.items() if k != ECS_SERVICE})
    fills = {t.family: {"family": t.family, "cluster": facts.cluster, "log_group": t.log_group,
                        "repository_arn": t.repository_arn or ""} for t in tasks}
    comment = [f"{permissions.why}: {', '.join(fills)}; {files_text(task_files)}"]
    statements = tuple(_filled(s, s.sid, comment, list(fills.values())) for s in permissions.execution_role)
    pulled = [t.family for t in tasks if t.repository_arn]
    execution = []
    for template in permissions.task_execution_role:
        chosen = pulled if template.sid in permissions.ecr_only else list(fills)
        if chosen:
            execution.append(_filled(template, template.sid, [f"task definitions {', '.join(chosen)}"],
                                     [fills[f] for f in chosen]))
    notes = [f"ECS task definition {t.family} pulls {t.image} from "
             f"{image_location(t.image).registry or 'Docker Hub'} over the internet: its subnets need a NAT "
             "route (or copy the image into ECR and point the task definition at it)"
             for t in tasks if not t.repository_arn]
    notes += [f"push {t.image} to the ECR repository {t.repository} the templates create, as "
              f"{t.repository}{image_location(t.image).reference or ':latest'}"
              for t in tasks if t.repository]
    variables = [(v, "subnet", i) for i, v in enumerate(facts.subnet_variables)]
    variables += [(v, "security_group", i) for i, v in enumerate(facts.security_group_variables)]
    notes.append("set the Airflow Variables " + ", ".join(v for v, _, _ in variables)
                 + " the ECS tasks read to the template's outputs (docs/infra.md)")
    return _EcsEnvironment(usage, facts.cluster, statements, tuple(execution), tuple(notes), tuple(variables))


# The execution role's statement for EksPodOperator: it writes the kube config from the cluster's
# endpoint and certificate (EksHook.generate_config_file: eks:DescribeCluster), then signs in
# with a token the role's credentials sign (no IAM action).
EKS_DESCRIBE_CLUSTER = ("eks:DescribeCluster",)
EKS_CLUSTER_ARN = "arn:{partition}:eks:{region}:{account}:cluster/{eks_cluster}"


def eks_environment(tasks: Iterable[EksPodTask]
                    ) -> tuple[EksAccess | None, tuple[Statement, ...], tuple[str, ...]]:
    """The access the EKS pod ``tasks`` need: the cluster's access entry for the execution role
    on their namespaces, its ``eks:DescribeCluster`` on that cluster only, and the notes."""
    tasks = list(tasks)
    if not tasks:
        return None, (), ()
    facts = pod_to_eks()
    files = tuple(sorted({t.path for t in tasks}))
    namespaces = tuple(sorted({t.namespace for t in tasks if t.namespace}))
    statement = Statement("EksDescribeCluster", EKS_DESCRIBE_CLUSTER, (EKS_CLUSTER_ARN,),
                          comment=(f"EksPodOperator writes its kube config from the cluster: {files_text(files)}",))
    notes = [(f"set the Airflow Variable {facts.cluster_variable} the EKS pod tasks read to the cluster's name "
              "(the template's EKS cluster parameter); the cluster's authentication mode must include API "
              "for the execution role's access entry")]
    templated = sorted({t.path for t in tasks if not t.namespace})
    if templated:
        notes.append("EKS pod tasks whose namespace is computed or templated: add their namespaces to the "
                     f"execution role's access entry by hand ({files_text(templated)})")
    named = tuple(sorted({t.path for t in tasks if t.namespace}))
    return EksAccess(namespaces, facts.access_policy, named), (statement,), tuple(notes)


def private_vpc(container_tasks: bool, configuration: Mapping[str, str]) -> VpcSpec:
    """The VPC with the endpoints the environment needs, the ECS ones when it runs tasks there,
    and the secrets backend's service."""
    needed = {ALWAYS, configuration.get("secrets.backend", "")} | ({CONTAINER_TASKS} if container_tasks else set())
    return VpcSpec(VPC_CIDR, PRIVATE_SUBNET_CIDRS, tuple(e for e in vpc_endpoints() if e.when in needed))


def build_environment(name: str, target: MwaaVersion, recommendation: Mapping[str, Any],
                      bundle: BundleFacts, usage: AwsUsage,
                      task_definitions: Iterable[TaskDefinition] = (), *, create_vpc: bool = False,
                      eks_tasks: Iterable[EksPodTask] = ()) -> EnvironmentSpec:
    """The environment for ``target`` sized by ``recommendation`` (``migrator size``'s
    document's ``recommendation``) serving ``bundle``, with the role ``usage`` needs, and the
    ECS task definitions (migrator.aws_native's) the rewritten container tasks run, and access to
    the EKS cluster ``eks_tasks`` run on; with ``create_vpc``, in a private VPC of its own."""
    tasks = tuple(container_task(d) for d in task_definitions)
    ecs = container_task_environment(tasks, usage)
    statements, notes = execution_statements(ecs.usage, bundle.configuration)
    eks, eks_statements, eks_notes = eks_environment(eks_tasks)
    return EnvironmentSpec(
        name=check_environment_name(name), airflow_version=target.airflow,
        environment_class=recommendation["environment_class"],
        min_workers=int(recommendation["min_workers"]), max_workers=int(recommendation["max_workers"]),
        schedulers=int(recommendation["schedulers"]), configuration=dict(bundle.configuration),
        parts=bundle.parts, statements=statements + ecs.statements + eks_statements,
        notes=notes + ecs.notes + eks_notes,
        container_tasks=tasks, ecs_cluster=ecs.cluster, task_execution_statements=ecs.task_execution_statements,
        task_network_outputs=ecs.network_outputs,
        vpc=private_vpc(bool(tasks), bundle.configuration) if create_vpc else None, eks=eks)
