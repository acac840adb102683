"""API016: Argument value an operator rejects on the target (trigger_rule, auto_remove, ...)"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts
from migrator.compat import enum_members, operator_signature
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplaceValue
from migrator.rules._common import short_name
from migrator.rules.api._helpers import _short
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


def _value(node: ast.expr) -> tuple[bool, object]:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bool, int)):
        return True, node.value
    return False, None


class RejectedArgumentValueRule(PythonRule):
    """
    ## What it does
    Reports argument values an operator's constructor rejects on the target: a `trigger_rule`
    the target's `TriggerRule` no longer has (`"none_failed_or_skipped"`, `"dummy"`, also in
    `default_args`), a removed member such as `TriggerRule.NONE_FAILED_OR_SKIPPED` wherever it is
    written (a custom operator's argument, a constant), and values outside the set a
    provider's operator checks, such as DockerOperator's `auto_remove=True` (docker provider 3+
    takes `"never"`, `"success"` or `"force"`). The allowed values and the old-to-new mappings
    come from the constructors and deprecation code of the wheels the target pins.

    ## Why it matters on MWAA
    The operator raises while the DAG file is parsed ("The trigger_rule must be one of ...",
    "Invalid `auto_remove` value"), so the whole file fails to load; a removed `TriggerRule`
    member is an `AttributeError` (error).

    ## Example
    ```python
    DockerOperator(task_id="build", image="etl:1", auto_remove=True,
                   trigger_rule="none_failed_or_skipped")
    ```

    ## Fix
    Use the value the old one meant: the automatic fix (safe) writes what Airflow's or the
    provider's own deprecation code mapped it to (`"none_failed_min_one_success"`, `"success"`
    for `True`, `"never"` for `False`). Values with no recorded mapping need a human.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html#trigger-rules
    - https://airflow.apache.org/docs/apache-airflow-providers-docker/stable/_api/airflow/providers/docker/operators/docker/index.html
    """

    id = "API016"
    name = "rejected-argument-value"
    severity = Severity.ERROR
    summary = "Argument value an operator rejects on the target (trigger_rule, auto_remove, ...)"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.providers.docker.operators.docker import DockerOperator
            from airflow.sdk import TriggerRule

            DockerOperator(task_id="b", image="i", auto_remove="success",
                           trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
        """),
        # Airflow 2.11 still maps the old trigger rule itself.
        Valid("""
            from airflow.operators.empty import EmptyOperator

            EmptyOperator(task_id="e", trigger_rule="none_failed_or_skipped")
        """, target="2.11.2"),
        # Airflow 2's enum still has the old members.
        Valid("""
            from airflow.utils.trigger_rule import TriggerRule

            FINAL_RULE = TriggerRule.NONE_FAILED_OR_SKIPPED
        """, target="2.11.2"),
        # Only Airflow's enum is known: a project's own TriggerRule class is its business.
        Valid("""
            from company.rules import TriggerRule

            FINAL_RULE = TriggerRule.NONE_FAILED_OR_SKIPPED
        """),
    )
    invalid = (
        Invalid("""
            from airflow.providers.docker.operators.docker import DockerOperator

            DockerOperator(task_id="b", image="i", auto_remove=True)
        """, line=3, contains="'success'"),
        Invalid("""
            from airflow.operators.dummy import DummyOperator

            DummyOperator(task_id="e", trigger_rule="none_failed_or_skipped")
        """, line=3, contains="none_failed_min_one_success"),
        # The docker provider MWAA 2.9.2 pins still maps True, with a deprecation warning.
        Invalid("""
            from airflow.providers.docker.operators.docker import DockerOperator

            DockerOperator(task_id="b", image="i", auto_remove=False)
        """, target="2.9.2", line=3, contains="deprecated"),
        Invalid("""
            from airflow import DAG
            from airflow.utils.trigger_rule import TriggerRule

            default_args = {"trigger_rule": TriggerRule.NONE_FAILED_OR_SKIPPED}
            DAG("d", schedule=None, default_args=default_args)
        """, line=4, contains="NONE_FAILED_MIN_ONE_SUCCESS"),
        # The member access fails whatever takes it: an operator whose signature is unknown.
        Invalid("""
            from airflow.utils.trigger_rule import TriggerRule
            from company.operators import FinalStatusOperator

            FinalStatusOperator(task_id="final", trigger_rule=TriggerRule.NONE_FAILED_OR_SKIPPED)
        """, line=4, contains="NONE_FAILED_MIN_ONE_SUCCESS", fixed="""
            from airflow.utils.trigger_rule import TriggerRule
            from company.operators import FinalStatusOperator

            FinalStatusOperator(task_id="final", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
        """),
        Invalid("""
            from airflow.utils.trigger_rule import TriggerRule

            ALWAYS_RUN = TriggerRule.DUMMY
        """, line=3, contains="TriggerRule.ALWAYS"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        members = enum_members("TriggerRule", target)
        base = operator_signature("airflow.models.baseoperator.BaseOperator", target)
        if members and base is not None:
            yield from self._removed_members(module, members, base, target)
        for site in module.arguments:
            signature = None
            if site.owner == "task" and site.qualname and isinstance(site.call, ast.Call):
                signature = operator_signature(site.qualname, target)
            elif site.owner == "default_args":
                signature = base
            if signature is None:
                continue
            if site.name == "trigger_rule" and members:
                known, value = _value(site.value)
                allowed = tuple(sorted(set(members.values())))
                if known and isinstance(value, str) and value not in allowed:
                    yield self._finding(module, site.value, "trigger_rule", value, allowed, signature, target)
            elif site.name in signature.values:
                known, value = _value(site.value)
                if known and value not in signature.values[site.name]:
                    yield self._finding(module, site.value, site.name, value, signature.values[site.name],
                                        signature, target)

    def _removed_members(self, module, members, base, target) -> Iterator[Finding]:
        """Every `TriggerRule.X` the target's enum lacks, wherever it is written: the attribute
        access fails when the file loads, whether it is an operator's argument, a custom
        operator's, a default or a constant."""
        mapped = dict(base.value_renames.get("trigger_rule", ()))
        for node, qualname in module.name_uses:
            enum = qualname.rpartition(".")[0]
            if not (isinstance(node, ast.Attribute) and enum.startswith("airflow.")
                    and short_name(enum) == "TriggerRule" and node.attr not in members):
                continue
            new_member = next((m for m, v in members.items() if v == mapped.get(node.attr.lower())), None)
            fix = None
            advice = "use one of its members"
            if new_member:
                advice = f"use TriggerRule.{new_member} (the same rule)"
                fix = ReplaceValue(safety=FixSafety.SAFE, description=f"use TriggerRule.{new_member}",
                                   attribute=True, old=node.attr, new=new_member)
            yield self.at_node(module, node, f"TriggerRule has no member {node.attr} on Airflow {target.airflow} "
                               f"(AttributeError when the DAG file loads): {advice}", fix=fix)

    def _finding(self, module, node, name, value, allowed, signature, target) -> Finding:
        mapped = {old: new for old, new in signature.value_renames.get(name, ()) if type(old) is type(value)}
        new = mapped.get(value)
        owner = _short(signature.qualname)
        choices = ", ".join(repr(v) for v in allowed)
        if new is not None and new in allowed:
            advice = f"use {new!r} (what the old value meant)"
            fix = ReplaceValue(safety=FixSafety.SAFE, description=f"use {new!r}", old=value, new=new)
        else:
            advice, fix = f"it takes {choices}: choose the one that does what the old value did", None
        if new is not None and name in signature.still_mapped:
            message = (f"{name}={value!r} is deprecated for {owner} on Airflow {target.airflow} "
                       f"({signature.source} still maps it) and rejected by later releases; {advice}")
            return self.at_node(module, node, message, severity=Severity.WARNING, fix=fix)
        message = f"{owner} on Airflow {target.airflow} rejects {name}={value!r}, so the DAG file does not load: {advice}"
        return self.at_node(module, node, message, fix=fix)
