"""Helpers shared by two or more MWA rules."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from migrator import aws_native, compat
from migrator.analysis import airflow_api, platform
from migrator.analysis.dags import const_str
from migrator.analysis.parsed_module import walk
from migrator.analysis.python import ModuleFacts
from migrator.analysis.strings import is_under
from migrator.findings import Finding, Fix, FixSafety, Severity, line_anchor
from migrator.fixes import DockerToEcs, PodToEks
from migrator.rules._common import short_name
from migrator.rules.base import PythonRule, RuleContext


def _task_kind(task) -> str:
    return task.operator if task.operator.startswith("@") else short_name(task.operator)


def _task_limit(task, target) -> str | None:
    """The MWAA platform limit (``docker``, ``kubernetes``, ...) a task's class runs into."""
    if task.operator.startswith("@"):
        return compat.worker_environment().container_decorators.get(task.operator)
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


def _inside_ssh_class(module: ModuleFacts, node: ast.AST) -> bool:
    """Inside a class that is itself an SSH/SFTP operator or hook: its users are reported."""
    return any(isinstance(a, ast.ClassDef) and _SSH_NAME.search(a.name) for a in module.ancestors(node))


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
    if why_not and isinstance(fix, PodToEks):
        message += f" The unsafe fix runs it on EKS with EksPodOperator: {why_not}."
    elif why_not:
        message += f" Not rewritten to EcsRunTaskOperator automatically: {why_not}."
    return rule.finding(module.path, location, message, anchor=anchor, fix=fix, severity=severity)


def _ecs_fix(operator: str, task: aws_native.ContainerTask, fix_type: type[DockerToEcs] = DockerToEcs,
             note: str = "") -> Fix:
    size = f", {task.size[0]} CPU units / {task.size[1]} MiB" if task.size else ""
    private = ("; the private_environment values now show in the rendered overrides: move secrets to the "
               "task definition's secrets" if task.private_environment else "")
    return fix_type(safety=FixSafety.UNSAFE,
                    description=f"run {task.image} on ECS Fargate with EcsRunTaskOperator (task definition "
                    f"{task.family}{size}); the task definition, its cluster and the network Variables "
                    f"must exist (docs/aws-native.md){private}{note}",
                    old=operator, family=task.family, command=task.command, size=task.size, drop=task.dropped)


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
            found.update(walk(root))
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
                            found.update(walk(value))
        return frozenset(found)

    return module.memo("dict_keys_and_links", compute)


def _allowed_path(path: str) -> bool:
    return is_under(path, compat.worker_path_prefixes())


def _on_routed_host(path: str, what: str, queue: str | None) -> str | None:
    """A task routed to a queue of on-prem workers (an HPC's) runs there, where its scripts and
    files live next to what it needs: on MWAA the work must still run on such a host, so
    shipping the file in the DAG folder or S3 is no remedy."""
    if queue is None:
        return None
    return (f"{path} is {what} on the workers of queue '{queue}', where this task is routed (MWA010); "
            f"MWAA has no such workers: run it on that host over SSH (SSHOperator) or move the work "
            f"to an AWS service (EMR, ECS, Batch)")


def _custom_queues(module: ModuleFacts) -> dict[ast.Call | None, str]:
    """The Celery queue other than MWAA's own each task call is routed to (key None: the
    module's ``default_args``), as MWA010 reports them."""
    queues: dict[ast.Call | None, str] = {}
    for site in module.arguments:
        queue = const_str(site.value) if site.name == "queue" and site.owner != "dag" else None
        if queue is not None and queue not in compat.worker_environment().default_queues:
            queues[site.call if site.owner == "task" else None] = queue
    return queues


def _in_mwaa_folder(text: str, folder: compat.OtherPlatformFolder) -> str:
    """``text`` with the other platform's folder (a whole path component) replaced by MWAA's."""
    return re.sub(rf"{re.escape(folder.path)}(?![\w.-])", folder.mwaa or folder.path, text)


# Reads of Airflow Variables (any Airflow version's path ends so).
_VARIABLE_READS = ("Variable.get", "Variable.get_variable_from_secrets")


def _parse_time_calls(module: ModuleFacts) -> list[tuple[ast.Call, str | None]]:
    return module.memo("parse_time_calls",
                       lambda m: [(c, q) for c, q in m.calls if m.runs_at_import(c)])
