"""API020: DAG code reading an Airflow config option the target no longer has."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator import compat
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplaceValue
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

# AirflowConfigParser's typed readers: each raises AirflowConfigException for an unknown option
# unless given fallback=.
_READERS = frozenset({"get", "getint", "getboolean", "getfloat", "getlist", "getjson", "getimport"})


_CONF = frozenset({"airflow.configuration.conf", "airflow.configuration"})


class RemovedConfigOptionRead(PythonRule):
    """
    ## What it does
    Reports `conf.get(section, key)` (and `getint`, `getboolean`, `getfloat`, `getlist`, ...;
    `from airflow.configuration import conf`) with literal arguments and no `fallback=` when the
    target's Airflow no longer reads that option: a section it renamed and stopped mapping
    (`[kubernetes]` became `[kubernetes_executor]` in Airflow 2.5; Airflow 3 dropped the old
    name), or an option renamed or removed in the target.

    ## Why it matters on MWAA
    The read raises `AirflowConfigException: section/key [kubernetes/namespace] not found in
    config`; at module level the whole DAG file fails to load (error). In a module-level function
    nothing in the project mentions (dead code) the read does not run today: reported as info.

    ## Example
    ```python
    from airflow.configuration import conf

    NAMESPACE = conf.get("kubernetes", "namespace")
    ```

    ## Fix
    Read the option under its new name: the automatic fix (safe) rewrites a renamed section,
    which Airflow's own deprecation table mapped key for key. Set the value as an MWAA
    configuration option under the new name (otherwise the target answers its default:
    Airflow 3 keeps `kubernetes_executor.namespace = default` among its provider fallback
    defaults), or pass `fallback=`. A removed option needs a human.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/configurations-ref.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    """

    id = "API020"
    name = "removed-config-option-read"
    severity = Severity.ERROR
    summary = "conf.get of an Airflow config option the target no longer has"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.configuration import conf

            NAMESPACE = conf.get("kubernetes_executor", "namespace")
        """),
        # A fallback answers when the option is missing.
        Valid("""
            from airflow.configuration import conf

            NAMESPACE = conf.get("kubernetes", "namespace", fallback="default")
        """),
        # Airflow 2.11 still maps the old section (with a warning).
        Valid("""
            from airflow.configuration import conf

            NAMESPACE = conf.get("kubernetes", "namespace")
        """, target="2.11.2"),
        # A dag_run's conf dict is not Airflow's configuration.
        Valid("""
            def run(**context):
                conf = context["dag_run"].conf
                return conf.get("kubernetes", "namespace")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.configuration import conf

            NAMESPACE = conf.get("kubernetes", "NAMESPACE")
        """, line=3, contains="kubernetes_executor", fixed="""
            from airflow.configuration import conf

            NAMESPACE = conf.get("kubernetes_executor", "NAMESPACE")
        """),
        Invalid("""
            from airflow import configuration

            DELAY = configuration.conf.getint("kubernetes", "worker_pods_creation_batch_size")
        """, line=3, contains="[kubernetes]"),
        Invalid("""
            from airflow.configuration import conf

            CONCURRENCY = conf.getint("core", "dag_concurrency")
        """, line=3, contains="core.max_active_tasks_per_dag"),
        # A deprecated builder no DAG or module calls any more: the read does not run (info).
        Invalid("""
            from airflow.configuration import conf

            # old_pod_task is deprecated: use pod_task.
            def old_pod_task(name):
                return {"name": name, "namespace": conf.get("kubernetes", "NAMESPACE")}

            def pod_task(name):
                return {"name": name, "namespace": conf.get("kubernetes_executor", "NAMESPACE")}
        """, files={"dags/d.py": "from example_dag import pod_task\nTASK = pod_task('x')\n"},
            line=5, contains="nothing in the project calls old_pod_task()"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        uncalled = ctx.index.unreferenced_functions
        for call, qualname in module.calls:
            owner, _, reader = (qualname or "").rpartition(".")
            if owner not in _CONF or reader not in _READERS or len(call.args) < 2:
                continue
            if any(k.arg in ("fallback", None) for k in call.keywords):
                continue
            section_node, key_node = call.args[:2]
            if not all(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in (section_node, key_node)):
                continue
            section, key = section_node.value.lower(), key_node.value.lower()
            read = f'conf.{reader}("{section_node.value}", "{key_node.value}")'
            dead = _uncalled_function(module, call, uncalled)
            severity = Severity.INFO if dead else None
            rename = compat.config_section_rename(section, target)
            if rename is not None and rename.breaks:
                fix = ReplaceValue(safety=FixSafety.SAFE, description=f"read [{rename.new}]",
                                   old=section_node.value, new=rename.new)
                yield self.at_node(module, section_node, _noting_dead(
                    f"{read} raises AirflowConfigException on Airflow {target.airflow}: [{section}] became "
                    f"[{rename.new}] in Airflow {rename.since} and the target no longer reads the old section; "
                    f"read [{rename.new}] and set {rename.new}.{key} as an MWAA configuration option (or pass "
                    "fallback=)", dead), fix=fix, severity=severity)
                continue
            # The config analysis loads when a read is found: most runs find none.
            from migrator.analysis.config import config_change

            change = config_change(f"{section}.{key}", target)
            if change is None or not change.breaks:
                continue
            where = (f"read {change.new_option} instead" if change.new_option
                     else "set it as an MWAA configuration option")
            yield self.at_node(module, call, _noting_dead(
                f"{read} raises AirflowConfigException on Airflow {target.airflow}: {change.advice} "
                f"Then {where}, or pass fallback=.", dead), severity=severity)


def _noting_dead(message: str, dead: str | None) -> str:
    if dead is None:
        return message
    return f"{message.rstrip('.')}; nothing in the project calls {dead}(), so the read does not run today"


def _uncalled_function(module: ModuleFacts, node: ast.AST, uncalled: frozenset[str]) -> str | None:
    """The name of the module-level function around ``node`` if nothing in the project calls it."""
    top = module.top_level(node)
    if not isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    name = f"{module.module_name}.{top.name}" if module.module_name else top.name
    return top.name if name in uncalled else None
