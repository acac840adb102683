"""API002: Airflow name the target no longer has"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from textwrap import indent

from migrator import compat
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import DefineRemovedHelper, GuardRemovedImport, RemoveUnusedImport
from migrator.rules.api._helpers import import_problems
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

_SFTP_OPERATOR = "airflow.contrib.operators.sftp_operator"
_TRIGGER_DAG = "airflow.api.common.experimental.trigger_dag.trigger_dag"

_CLASS_TESTS = frozenset({"isinstance", "issubclass"})


def _only_tested_against(module: ModuleFacts, alias: ast.AST) -> str | None:
    """The local name ``alias`` (of a ``from x import Name`` alone in its statement, at module
    level) binds, when every use of it is the class argument of ``isinstance``/``issubclass``
    (alone or in a tuple); else None."""
    imported = next((i for i in module.imports if i.alias is alias), None)
    if (imported is None or not imported.is_from or not imported.local or imported.guarded
            or len(imported.node.names) != 1 or module.enclosing_function(imported.node) is not None):
        return None
    uses = [node for node in module.nodes_of(ast.Name) if node.id == imported.local]
    if not uses or any(not isinstance(use.ctx, ast.Load) or not _class_argument(module, use) for use in uses):
        return None
    return imported.local


def _never_used(module: ModuleFacts, alias: ast.AST) -> str | None:
    """The local name ``alias`` (of a module-level ``from x import Name``) binds, when the module
    never names it again, not even in a string (``__all__``, ``getattr``); else None."""
    imported = next((i for i in module.imports if i.alias is alias), None)
    if (imported is None or not imported.is_from or not imported.local.isidentifier() or imported.guarded
            or module.enclosing_function(imported.node) is not None):
        return None
    if any(node.id == imported.local for node in module.nodes_of(ast.Name)) or any(
            node.value == imported.local for node in module.nodes_of(ast.Constant)):
        return None
    return imported.local


def _has_fallback(module: ModuleFacts, alias: ast.AST) -> bool:
    """Whether the import of ``alias`` sits in a ``try`` whose ``except ImportError`` binds the
    same name (``class SubDagOperator: ...``, ``days_ago = None``): the module copes without it."""
    imported = next((i for i in module.imports if i.alias is alias), None)
    if imported is None or not imported.guarded or not imported.local:
        return False
    trying = next((a for a in module.ancestors(imported.node) if isinstance(a, ast.Try)), None)
    if trying is None:
        return False
    for handler in trying.handlers:
        for statement in handler.body:
            if isinstance(statement, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and statement.name == imported.local:
                return True
            if isinstance(statement, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == imported.local for t in statement.targets):
                return True
    return False


def _class_argument(module: ModuleFacts, node: ast.AST) -> bool:
    parent = module.parents.get(node)
    if isinstance(parent, ast.Tuple):
        node, parent = parent, module.parents.get(parent)
    return (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id in _CLASS_TESTS
            and len(parent.args) == 2 and parent.args[1] is node)


def removed_without_equivalent(finding: Finding) -> str | None:
    """The Airflow name an API002 finding without a fix says the target lacks, with nothing to
    import in its place (the message says what to write instead), else None. Every API002
    message leads with the name."""
    if finding.rule != RemovedImportRule.id or finding.fix is not None:
        return None
    return finding.message.split(" ", 1)[0]


class RemovedImportRule(PythonRule):
    """
    ## What it does
    Reports Airflow names that the target no longer has at all, with no replacement path:
    `airflow.contrib` classes no table maps, `days_ago` and `SubDagOperator` on Airflow 3,
    retired integrations, and 1.10 plugin-manager imports that no plugin in the project
    registers; on an Airflow 2 target, names Airflow 3 added that Airflow 2 has nowhere
    (`airflow.sdk.AssetWatcher`; API001 moves the others). The message carries the knowledge
    base's advice.

    ## Why it matters on MWAA
    The import fails on the target's Airflow, so the DAG file (and every DAG importing the
    helper module) does not load. Names that still exist on the target are not reported here,
    even if a later Airflow removes them.

    ## Example
    ```python
    from airflow.utils.dates import days_ago          # Airflow 3 target
    from airflow.contrib.operators.hipchat_operator import HipChatAPIOperator
    ```

    ## Fix
    Follow the advice in the message: use the replacement feature (a TaskGroup for a SubDAG, a
    fixed `pendulum.datetime` for `days_ago`), a provider's equivalent, or your own code. A class
    the module only tests objects against (`isinstance(task, SubDagOperator)`) is imported inside
    `try`/`except ImportError` with a stand-in class by `migrator fix` (safe: nothing can be an
    instance of a class the target lacks). An import of a name the module never uses (a leftover
    `apply_defaults`) is removed by `migrator fix` (safe: it could only fail on the target). A
    private helper no release keeps that the module calls (`_make_intermediate_dirs` of 1.10's
    SFTP operator) is defined in the module in place of its import by `migrator fix --unsafe`
    and `migrator migrate`: a function doing what the helper did (compat's removed helpers).

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/release_notes.html
    - https://docs.astral.sh/ruff/rules/airflow3-removal/
    """

    id = "API002"
    name = "removed-import"
    severity = Severity.ERROR
    summary = "Airflow name the target no longer has"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("from airflow.utils.dates import days_ago", target=compat.newest_version(major=2).airflow),
        # airflow.exceptions.__getattr__ still hands these out on 3.x (moved to airflow.sdk.exceptions).
        Valid("from airflow.exceptions import AirflowSkipException, AirflowFailException"),
        Valid("""
            from airflow.models import Variable
            from airflow.operators.python import PythonOperator
        """, target=compat.newest_version(major=2).airflow),
        Valid("""
            try:
                from airflow.utils.dates import days_ago
            except ImportError:
                days_ago = None
            from airflow.providers.standard.operators.empty import EmptyOperator
        """, target=compat.newest_version(major=2).airflow),
        # Names Airflow 2 had that Airflow 3 modules keep as deprecated aliases (a __getattr__
        # in airflow/utils/state.py, add_deprecated_classes in airflow/utils/types.py) are not
        # removed: they import with a warning, and API001 reports the move.
        Valid("""
            from airflow.utils.state import JobState
            from airflow.utils.types import NOTSET
        """),
        # Airflow 3 names Airflow 2 has elsewhere are API001's moves, not removals.
        Valid("from airflow.sdk import DAG, Variable, dag, task", target=compat.newest_version(major=2).airflow),
        # The module defines the name itself where the import fails (what the fix writes).
        Valid("""
            try:
                from airflow.operators.subdag import SubDagOperator
            except ImportError:
                class SubDagOperator:
                    pass
        """),
    )
    invalid = (
        Invalid("from airflow.utils.dates import days_ago", line=1, contains="pendulum"),
        Invalid("from airflow.operators.subdag_operator import SubDagOperator", line=1,
                contains="TaskGroup"),
        Invalid("from airflow.contrib.operators.hipchat_operator import HipChatAPIOperator",
                target="2.11.2", line=1),
        # A private helper of a contrib module: no provider keeps it, the advice names what does;
        # where the module calls it, its definition takes the import's place.
        Invalid("""
            from airflow.contrib.operators.sftp_operator import _make_intermediate_dirs

            def upload(sftp_client, path):
                _make_intermediate_dirs(sftp_client, path)
        """, line=1, contains="SFTPHook(ssh_conn_id=...).create_directory(path)",
                fixed=indent(compat.removed_helper(f"{_SFTP_OPERATOR}._make_intermediate_dirs").definition, " " * 12) + "\n"
                + """
            def upload(sftp_client, path):
                _make_intermediate_dirs(sftp_client, path)
        """),
        # The experimental API's trigger_dag: tasks on Airflow 3 start runs through the REST API,
        # which MWAA's InvokeRestApi reaches from inside the environment.
        Invalid("""
            from airflow.api.common.experimental.trigger_dag import trigger_dag

            def start_loads(days):
                for day in days:
                    trigger_dag(dag_id="load", conf={"day": day})
        """, line=1, contains="airflow:InvokeRestApi",
                fixed=indent(compat.removed_helper(_TRIGGER_DAG).definition, " " * 12) + "\n" + """
            def start_loads(days):
                for day in days:
                    trigger_dag(dag_id="load", conf={"day": day})
        """),
        Invalid("""
            import airflow

            START = airflow.utils.dates.days_ago(1)
        """, line=3, contains="airflow.utils.dates.days_ago"),
        Invalid("from airflow.operators.acme_plugin import SftpToS3Operator", line=1,
                contains="no AirflowPlugin"),
        # Only tested against (a callback skipping SubDAG tasks): guarded with a stand-in class.
        Invalid("""
            from airflow.operators.subdag import SubDagOperator

            def failed_tasks(tasks):
                return [t for t in tasks if not isinstance(t, (SubDagOperator, list))]
        """, line=1, contains="try/except ImportError with a stand-in class"),
        # Imported but never used (a leftover of a removed @apply_defaults): the import goes.
        Invalid("""
            import logging
            from airflow.utils.decorators import apply_defaults

            log = logging.getLogger(__name__)
        """, line=2, contains="never uses it: remove the import", fixed="""
            import logging

            log = logging.getLogger(__name__)
        """),
        # An Airflow 3 name Airflow 2 has nowhere (API001 moves the ones it has elsewhere).
        Invalid("from airflow.sdk import AssetWatcher", target="2.11.2", line=1,
                contains="Airflow 2.11.2 has no equivalent"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for problem in import_problems(module, ctx):
            if problem.plugin_unresolved:
                name = problem.old.rpartition(".")[2]
                yield self.at_node(
                    module, problem.node,
                    f"{problem.old} is a 1.10 plugin-manager import, which Airflow 2+ no longer "
                    f"provides, and no AirflowPlugin in the project registers {name}: import {name} "
                    f"from the module that defines it")
            elif problem.verdict is not None and problem.verdict.kind == "removed":
                if _has_fallback(module, problem.node):
                    continue  # the module defines the name itself where the import fails
                advice = problem.verdict.advice or "no replacement is recorded"
                local = _only_tested_against(module, problem.node)
                if local is not None:
                    yield self.at_node(
                        module, problem.node,
                        f"{problem.old} does not exist on Airflow {ctx.target.airflow}, and this module only "
                        f"tests objects against it (isinstance/issubclass), which nothing can pass there: "
                        f"import it inside try/except ImportError with a stand-in class",
                        fix=GuardRemovedImport(safety=FixSafety.SAFE,
                                               description=f"guard the import of {local} with a stand-in class",
                                               required=True, name=local))
                    continue
                unused = _never_used(module, problem.node)
                helper = None if unused else compat.removed_helper(problem.old)
                if helper is not None:
                    yield self.at_node(
                        module, problem.node,
                        f"{problem.old} does not exist on Airflow {ctx.target.airflow}: {advice}; or define it "
                        f"in this module in place of the import (a function that {helper.behaviour}"
                        + (f"; it needs {helper.needs})" if helper.needs else ")"),
                        fix=DefineRemovedHelper(safety=FixSafety.UNSAFE, required=True, name=helper.name,
                                                definition=helper.definition,
                                                description=f"define {helper.name} in place of its import"))
                    continue
                yield self.at_node(module, problem.node,
                                   f"{problem.old} does not exist on Airflow {ctx.target.airflow}: {advice}"
                                   + ("; this module never uses it: remove the import" if unused else ""),
                                   fix=RemoveUnusedImport(safety=FixSafety.SAFE, required=True, name=unused,
                                                          description=f"remove the unused import of {unused}")
                                   if unused else None)
