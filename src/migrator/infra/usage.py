"""What the project's code asks of AWS, read from its modules without running them: the AWS
services its operators, hooks, sensors and boto3 clients call (``compat.iam.service_permissions``)
and the S3 buckets it names (``s3://bucket/...`` literals, ``bucket_name="..."``-style arguments), each
with the files that need it. Files that reach S3 through a bucket only known at run time
(a Variable, a template) are listed too: their buckets are granted by hand."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from migrator.analysis.python import ModuleFacts
from migrator.compat.iam import dag_bucket_permissions, service_permissions

# S3 bucket naming rules (S3 UG bucketnamingrules): 3-63 lower-case letters, digits, dots and
# hyphens, starting and ending with a letter or digit. A templated or formatted name fails it.
_BUCKET_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
BUCKET_NAME = re.compile(_BUCKET_NAME)
S3_URI = re.compile(rf"\bs3a?://({_BUCKET_NAME})(?=/|$|\s|[\"'])")


@dataclass
class AwsUsage:
    """service id -> files; bucket -> files; files reaching S3 with no literal bucket."""

    services: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    buckets: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    unknown_buckets: set[str] = field(default_factory=set)


def used_names(module: ModuleFacts) -> set[str]:
    """The qualified names the module imports, calls or builds tasks of."""
    names = {i.qualname for i in module.imports}
    names.update(q for _, q in module.calls if q)
    names.update(t.operator for t in module.tasks if t.operator)
    return names


def literal_buckets(module: ModuleFacts, bucket_arguments: frozenset[str]) -> set[str]:
    buckets = {m.group(1) for _, text in module.string_literals for m in S3_URI.finditer(text)}
    for call, _ in module.calls:
        for keyword in call.keywords:
            value = keyword.value
            if (keyword.arg in bucket_arguments and isinstance(value, ast.Constant)
                    and isinstance(value.value, str) and BUCKET_NAME.fullmatch(value.value)):
                buckets.add(value.value)
    return buckets


def boto3_calls(module: ModuleFacts) -> set[str]:
    """``service.method`` of each boto3 client method the module calls: on ``boto3.client("svc")``
    itself or on a name bound to it once."""
    services: dict[int, str] = {}  # id(the boto3.client call) -> its service
    for call, qualname in module.calls:
        if qualname == "boto3.client":
            argument = call.args[0] if call.args else next(
                (k.value for k in call.keywords if k.arg == "service_name"), None)
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                services[id(call)] = argument.value
    clients: dict[str, str] = {}  # a name bound to a client -> its service
    rebound: set[str] = set()
    for assign in module.nodes_of(ast.Assign):
        for target in assign.targets:
            if isinstance(target, ast.Name):
                if target.id in clients or id(assign.value) not in services:
                    rebound.add(target.id)
                else:
                    clients[target.id] = services[id(assign.value)]
    found = set()
    for call, _ in module.calls:
        if not isinstance(call.func, ast.Attribute):
            continue
        on = call.func.value
        service = (services.get(id(on)) if isinstance(on, ast.Call)
                   else clients.get(on.id) if isinstance(on, ast.Name) and on.id not in rebound else None)
        if service:
            found.add(f"{service}.{call.func.attr}")
    return found


def aws_usage(modules: Iterable[ModuleFacts]) -> AwsUsage:
    usage = AwsUsage()
    services = service_permissions()
    s3 = dag_bucket_permissions()
    for module in modules:
        if module.tree is None:
            continue
        names = used_names(module)
        client_calls = boto3_calls(module)
        for service in services:
            if any(service.used_by(name) for name in names) or service.boto3_calls & client_calls:
                usage.services[service.id].add(module.path)
        buckets = literal_buckets(module, s3.bucket_arguments)
        for bucket in buckets:
            usage.buckets[bucket].add(module.path)
        if not buckets and any(s3.used_by(name) for name in names):
            usage.unknown_buckets.add(module.path)
    return usage
