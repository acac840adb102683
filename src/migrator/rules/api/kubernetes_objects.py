"""API014: Airflow's own Kubernetes pod objects, which the cncf-kubernetes provider replaced with the
Kubernetes client's models."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator import compat
from migrator.analysis import airflow_api
from migrator.analysis.python import ModuleFacts
from migrator.compat import KubernetesObject, MwaaVersion
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplaceKubernetesObject
from migrator.rules._common import short_name
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class CannotConvert(Exception):
    """Why a construction cannot be rewritten automatically (the message says how by hand)."""


class KubernetesObjectRule(PythonRule):
    """
    ## What it does
    Reports Airflow 1.10/2.x's own Kubernetes objects: `Volume`, `VolumeMount`, `Port`,
    `Resources` and `PodRuntimeInfoEnv` (from `airflow.kubernetes.*` or
    `airflow.contrib.kubernetes.*`), and the 1.10 pod operator's `resources={...}` dict. Each
    becomes the Kubernetes client model Airflow built from it (`V1Volume`, `V1VolumeMount`,
    `V1ContainerPort`, `V1ResourceRequirements`, `V1EnvVar`), which `KubernetesPodOperator`
    takes directly.

    ## Why it matters on MWAA
    The cncf-kubernetes provider no longer ships these classes, on Airflow 2 and 3 alike: the
    import fails and the DAG file does not load. Swapping the import is not enough, because the
    constructors differ (`Volume(name, configs={"persistentVolumeClaim": {...}})` has no
    counterpart argument in `V1Volume`).

    ## Example
    ```python
    from airflow.kubernetes.volume import Volume
    from airflow.kubernetes.volume_mount import VolumeMount

    data = Volume(name="data", configs={"persistentVolumeClaim": {"claimName": "data-pvc"}})
    mount = VolumeMount("data", mount_path="/data", sub_path=None, read_only=True)
    ```

    ## Fix
    The constructor call is rewritten into the client model, field by field as Airflow's
    `to_k8s_client_obj` did (camelCase `configs` keys become typed sources:
    `V1Volume(name="data", persistent_volume_claim=V1PersistentVolumeClaimVolumeSource(
    claim_name="data-pvc"))`), and `resources={...}` becomes
    `container_resources=V1ResourceRequirements(requests=..., limits=...)`. A call whose
    values cannot be read (configs built at run time, `**kwargs`) is reported with what to
    write instead. The cncf-kubernetes provider (which brings the client) must be in
    requirements.txt.

    ## References
    - https://airflow.apache.org/docs/apache-airflow-providers-cncf-kubernetes/stable/operators.html
    - https://github.com/kubernetes-client/python/blob/master/kubernetes/docs/V1Volume.md
    """

    id = "API014"
    name = "kubernetes-objects"
    severity = Severity.ERROR
    summary = "Airflow's Kubernetes Volume/VolumeMount/Port/Resources objects: the provider takes client models"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from kubernetes.client import models as k8s

            data = k8s.V1Volume(name="data", persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(claim_name="c"))
        """),
        Valid("""
            from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator

            KubernetesPodOperator(task_id="t", image="busybox", resources={"cpus": 1})
        """),
    )
    invalid = (
        Invalid("""
            from airflow.kubernetes.volume import Volume

            data = Volume(name="data", configs={"persistentVolumeClaim": {"claimName": "c"}})
        """, line=3, contains="V1PersistentVolumeClaimVolumeSource", fixed="""
            from kubernetes import client

            data = client.V1Volume(
                name="data",
                persistent_volume_claim=client.V1PersistentVolumeClaimVolumeSource(claim_name="c"),
            )
        """),
        Invalid("""
            from airflow.contrib.kubernetes.volume_mount import VolumeMount

            mount = VolumeMount("data", mount_path="/data", sub_path=None, read_only=True)
        """, target="2.11.2", line=3, contains="V1VolumeMount"),
        Invalid("""
            from airflow.kubernetes.volume import Volume

            def volume(configs):
                return Volume(name="data", configs=configs)
        """, line=4, contains="by hand"),
        Invalid("""
            from airflow.contrib.operators.kubernetes_pod_operator import KubernetesPodOperator

            KubernetesPodOperator(task_id="t", image="busybox", resources={"limit_cpu": "1"})
        """, line=3, contains="container_resources"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        arguments = compat.kubernetes_arguments()
        for call, qualname in module.calls:
            if not qualname or not qualname.startswith("airflow."):
                continue
            found = airflow_api.kubernetes_object(qualname, target)
            if found is not None:
                yield self._construction(module, call, qualname, found, target)
            for keyword in call.keywords:
                change = airflow_api.kubernetes_argument(qualname, keyword.arg, target) \
                    if keyword.arg in arguments else None
                finding = change and self._argument(module, keyword, qualname, change, target)
                if finding:
                    yield finding

    def _construction(self, module: ModuleFacts, call: ast.Call, qualname: str, found: KubernetesObject,
                      target: MwaaVersion) -> Finding:
        message = (f"{short_name(qualname)} is gone from the cncf-kubernetes provider MWAA {target.airflow} pins: "
                   f"construct {found.new}, which KubernetesPodOperator takes directly")
        try:
            params, safe = _conversion(module, found, _bound(call, found), target)
        except CannotConvert as reason:
            return self.at_node(module, call, f"{message}; {reason}.")
        # The old class is gone on the target: the file cannot load without this fix.
        fix = ReplaceKubernetesObject(safety=FixSafety.SAFE if safe else FixSafety.UNSAFE,
                                      description=f"construct {found.model}", old=qualname, required=True, **params)
        typed = [f"{key} -> {attribute}={spec[1]}(...)" for key, attribute, spec in params.get("expand_spec", ())
                 if spec and spec[0] == "model"]
        if typed:
            message += f" ({found.expand} keys become typed fields: {', '.join(typed)})"
        return self.at_node(module, call, f"{message}{_UNSAFE_NOTE if not safe else ''}.", fix=fix)

    def _argument(self, module: ModuleFacts, keyword: ast.keyword, qualname: str,
                  change: compat.KubernetesArgument, target: MwaaVersion) -> Finding | None:
        """``resources=`` in the 1.10 pod operator's shape: a dict of Resources' parameters (or a
        Resources object). Any other dict is BaseOperator's own resources and is left alone."""
        found = change.object
        message = (f"{short_name(qualname)} no longer reads {change.argument}= as pod resources on "
                   f"MWAA {target.airflow} (the value reaches BaseOperator's own resources, which rejects "
                   f"these keys): pass {change.replacement}={found.new}(...)")
        value = keyword.value
        common = {"argument": change.argument, "new_argument": change.replacement}
        # A Resources object, constructed here or bound to a module-level name: API014 converts
        # the construction; only the keyword changes.
        constructed = module.constants.get(value.id) if isinstance(value, ast.Name) else value
        if isinstance(constructed, ast.Call) and \
                airflow_api.kubernetes_object(module.qualname(constructed.func) or "", target):
            fix = ReplaceKubernetesObject(safety=FixSafety.SAFE, description=f"pass {change.replacement}",
                                          new=found.new, value="object", required=True, **common)
            return self.at_node(module, keyword, message + ".", fix=fix)
        try:
            literal, at = _dict_literal(module, value, "the value")
        except CannotConvert:
            return None  # a value read at run time: nothing says which resources it means
        keys = [k.value if isinstance(k, ast.Constant) else None for k in literal.keys]
        if not any(key in found.parameters for key in keys):
            return None
        try:
            if not all(key in found.parameters for key in keys):
                raise CannotConvert(f"its keys must all be {', '.join(found.parameters)}: write "
                                    f"{change.replacement}={found.new}(...) by hand")
            params, safe = _conversion(module, found, dict(zip(keys, literal.values)), target)
        except CannotConvert as reason:
            return self.at_node(module, keyword, f"{message}; {reason}.")
        fix = ReplaceKubernetesObject(safety=FixSafety.SAFE if safe else FixSafety.UNSAFE,
                                      description=f"pass {change.replacement}", value="dict", required=True,
                                      **common, **params,
                       **({"values_at": at} if at else {}))
        return self.at_node(module, keyword, f"{message}{_UNSAFE_NOTE if not safe else ''}.", fix=fix)


# Airflow left unset resource values out of the dicts it built; a value only known at run time
# may be empty, and the rewrite keeps it.
_UNSAFE_NOTE = ("; a resource value computed at run time is kept as it is, where Airflow left it out "
                "when empty: review the rewrite")


def _bound(call: ast.Call, found: KubernetesObject) -> dict[str, ast.expr]:
    """The call's arguments by the old constructor's parameter names."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        raise CannotConvert(f"the call passes *args/**kwargs: build {found.new} by hand")
    if len(call.args) > len(found.parameters):
        raise CannotConvert(f"the call passes more arguments than {short_name(found.old)} takes")
    values = dict(zip(found.parameters, call.args))
    for keyword in call.keywords:
        if keyword.arg not in found.parameters or keyword.arg in values:
            raise CannotConvert(f"{short_name(found.old)} has no parameter {keyword.arg} (or it is given twice)")
        values[keyword.arg] = keyword.value
    return values


def _conversion(module: ModuleFacts, found: KubernetesObject, values: dict[str, ast.expr],
                target: MwaaVersion) -> tuple[dict, bool]:
    """The fix data that builds ``found.new`` from ``values``, and whether it is safe."""
    fields = []
    safe = True
    for name, path in found.fields:
        steps = compat.field_path(found.model, path, target)
        if steps is None:
            raise CannotConvert(f"the knowledge base has no field {'.'.join(path)} of {found.model} for "
                                f"MWAA {target.airflow}")
        fields.append((name, steps))
        value = values.get(name)
        # A value inside a dict Airflow built was left out when empty (Resources).
        if value is not None and any(container == "dict" for _, container in steps[:-1]) \
                and not isinstance(value, ast.Constant):
            safe = False
    params: dict = {"new": found.new, "parameters": found.parameters, "fields": tuple(fields)}
    if found.expand and found.expand in values:
        literal, at = _dict_literal(module, values[found.expand], found.expand)
        params.update(expand=found.expand, expand_spec=_expand_spec(literal, found, target))
        if at:
            params["values_at"] = at
    return params, safe


def _dict_literal(module: ModuleFacts, value: ast.expr, what: str) -> tuple[ast.Dict, tuple | None]:
    """The dict literal ``value`` is, or the one a module-level variable read only here holds
    (with its location, for the codemod)."""
    if isinstance(value, ast.Dict):
        return value, None
    if isinstance(value, ast.Name):
        bound = module.constants.get(value.id)
        reads = [n for n in module.nodes_of(ast.Name) if n.id == value.id and isinstance(n.ctx, ast.Load)]
        if isinstance(bound, ast.Dict) and len(reads) == 1:
            location = module.location(bound)
            return bound, (location.line, location.column, location.end_line, location.end_column)
    raise CannotConvert(f"{what} is not a dict literal the fix can read (it is built at run time): write "
                        "the model's fields by hand, each camelCase key as its snake_case field "
                        "(persistentVolumeClaim -> persistent_volume_claim=V1PersistentVolumeClaimVolumeSource(...))")


def _expand_spec(literal: ast.Dict, found: KubernetesObject, target: MwaaVersion) -> tuple:
    fields = compat.model_fields(found.model, target)
    entries = []
    for key, value in zip(literal.keys, literal.values):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            raise CannotConvert(f"{found.expand} has a key that is not a string literal: write the "
                                f"{found.model} fields by hand")
        if key.value not in fields:
            raise CannotConvert(f"{found.model} has no field {key.value!r} (Airflow rejected it too): fix "
                                f"{found.expand} first")
        attribute, container = fields[key.value]
        entries.append((key.value, attribute, _value_spec(value, container, target)))
    return tuple(entries)


def _value_spec(value: ast.expr, container: str, target: MwaaVersion) -> tuple | None:
    """How a literal value becomes typed models (None: kept as written, as Airflow set it)."""
    if container.startswith("list:") and isinstance(value, (ast.List, ast.Tuple)):
        items = tuple(_value_spec(item, container[5:], target) for item in value.elts)
        return ("list", items) if items and all(items) else None
    if container in ("", "dict") or container.startswith("list:") or not isinstance(value, ast.Dict):
        return None
    fields = compat.model_fields(container, target)
    keys = [k.value if isinstance(k, ast.Constant) else None for k in value.keys]
    if not keys or not all(isinstance(k, str) and k in fields for k in keys):
        return None
    return ("model", container, tuple((key, fields[key][0], _value_spec(item, fields[key][1], target))
                                      for key, item in zip(keys, value.values)))
