"""API: Airflow names imported from where the target no longer has them.

Every import form counts: ``from x import Y``, ``from x import Y as Z``, ``import a.b as c``
followed by ``c.Y``, ``import airflow`` followed by ``airflow.contrib.x.Y``, and 1.10's
plugin-manager imports (``from airflow.operators.acme_plugin import Op``). Imports inside a
``try``/``except ImportError`` (or an ``if``) that offers a name the target has are a
compatibility shim and are left alone.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from migrator.analysis import airflow_api
from migrator.analysis.airflow_api import ImportVerdict
from migrator.analysis.python import ImportedName, ModuleFacts, _catches_import_error
from migrator.compat import MwaaVersion
from migrator.findings import Finding, Fix, FixSafety, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


@dataclass(frozen=True)
class ImportProblem:
    """One import or attribute-chain use of a name that is not where the target has it."""

    node: ast.AST  # the alias in the import, or the attribute chain
    old: str
    verdict: ImportVerdict | None  # None for a plugin-manager name
    plugin_module: str | None = None  # the real module of a plugin-manager name
    plugin_unresolved: bool = False  # a plugin-manager name no project plugin exports


def _shim_group_key(module: ModuleFacts, imported: ImportedName) -> tuple[int, str] | None:
    """The ``try``/``if`` statement that offers alternatives for this binding, if any."""
    for ancestor in module.ancestors(imported.node):
        if isinstance(ancestor, ast.Try) and any(_catches_import_error(h) for h in ancestor.handlers):
            return id(ancestor), imported.local or imported.qualname.split(".", 1)[0]
        if isinstance(ancestor, ast.If):
            return id(ancestor), imported.local or imported.qualname.split(".", 1)[0]
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return None
    return None


def _reaches_target(qualname: str, target: MwaaVersion) -> bool:
    """An alternative the target has as written, without a deprecation."""
    return airflow_api.resolve(qualname, target).status == "unchanged"


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


def import_problems(module: ModuleFacts, ctx: RuleContext) -> list[ImportProblem]:
    """Every problem import of the module, computed once for both import rules."""
    return module.memo("import_problems", lambda m: _import_problems(m, ctx))


def _import_problems(module: ModuleFacts, ctx: RuleContext) -> list[ImportProblem]:
    target = ctx.target
    exports = ctx.index.plugin_exports
    namespaces = airflow_api.plugin_namespaces(target)
    groups: dict[tuple[int, str], list[ImportedName]] = {}
    for imported in module.imports:
        key = _shim_group_key(module, imported)
        if key is not None:
            groups.setdefault(key, []).append(imported)
    shimmed: set[int] = set()
    for members in groups.values():
        if any(_reaches_target(m.qualname, target) for m in members):
            shimmed.update(id(m.alias) for m in members)

    problems: list[ImportProblem] = []
    flagged_bindings: set[str] = set()
    # Attribute chains through module bindings: ``bo.BashOperator``, ``airflow.contrib.x.Y``.
    for node, qualname in module.name_uses:
        if not isinstance(node, ast.Attribute) or not qualname.startswith("airflow."):
            continue
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        binding = module.bindings.get(root.id) if isinstance(root, ast.Name) else None
        if binding is None:
            continue
        problem = _chain_problem(module, node, qualname, binding, target, exports, namespaces)
        if problem is not None:
            problems.append(problem)
            flagged_bindings.add(root.id)
    # The imports themselves.
    for imported in module.imports:
        if id(imported.alias) in shimmed or not imported.qualname.startswith("airflow."):
            continue
        local = imported.local or imported.qualname.split(".", 1)[0]
        if local in flagged_bindings or not imported.local and not imported.is_from:
            continue  # ``import airflow.x``: its uses were judged above
        problem = _name_problem(imported.alias, imported.qualname, target, exports, namespaces)
        if problem is not None:
            problems.append(problem)
    return problems


def _chain_problem(module: ModuleFacts, node: ast.Attribute, qualname: str, binding: str,
                   target: MwaaVersion, exports, namespaces) -> ImportProblem | None:
    """The longest prefix of an attribute chain, beyond its binding, that has a problem."""
    chain: list[ast.AST] = []
    current: ast.AST = node
    while isinstance(current, ast.Attribute):
        chain.append(current)
        current = current.value
    for part in chain:  # longest first
        name = module.qualname(part)
        if not name or len(name) <= len(binding):
            break
        problem = _name_problem(part, name, target, exports, namespaces)
        if problem is not None:
            return problem
    return None


def _name_problem(node: ast.AST, qualname: str, target: MwaaVersion, exports, namespaces) -> ImportProblem | None:
    verdict = airflow_api.import_verdict(qualname, target)
    if verdict is not None:
        return ImportProblem(node, qualname, verdict)
    if not qualname.startswith(namespaces):
        return None
    real = airflow_api.plugin_target(qualname, exports)
    if real is not None:
        return ImportProblem(node, qualname, None, plugin_module=real)
    module_part = qualname.rpartition(".")[0]
    # airflow.operators.<plugin>.<Name>, where <plugin> is no Airflow module on any version.
    if module_part.count(".") == 2 and airflow_api.resolve(module_part, target).status == "unknown" \
            and airflow_api.resolve(qualname, target).status == "unknown":
        return ImportProblem(node, qualname, None, plugin_unresolved=True)
    return None


def _provider_note(verdict: ImportVerdict, target: MwaaVersion) -> str:
    if not verdict.provider:
        return ""
    if verdict.preinstalled:
        return f" ({verdict.requirement}, preinstalled on MWAA {target.airflow})"
    return (f" (add {verdict.requirement} to requirements.txt: MWAA {target.airflow} does not "
            f"preinstall it)")


def removed_without_equivalent(finding: Finding) -> str | None:
    """The Airflow name an API002 finding without a fix says the target lacks, with nothing to
    import in its place (the message says what to write instead), else None. Every API002
    message leads with the name."""
    if finding.rule != RemovedImportRule.id or finding.fix is not None:
        return None
    return finding.message.split(" ", 1)[0]


class MovedImportRule(PythonRule):
    """
    ## What it does
    Reports Airflow names imported from a path the target moved or renamed: 1.10/2.x core paths
    that now live in provider packages or the Task SDK, `airflow.contrib`, renamed classes, and
    1.10 plugin-manager imports (`from airflow.operators.acme_plugin import Op`), in every import
    form (aliases, `import a.b as c` then `c.Name`, `import airflow` then `airflow.contrib.x.Y`).
    On an Airflow 2 target it also reports Airflow 3 names (`from airflow.sdk import dag`) that
    Airflow 2 has elsewhere (`airflow.decorators.dag`).
    The message names the new path and the provider distribution (with its minimum version) that
    supplies it, and says whether MWAA preinstalls it.

    ## Why it matters on MWAA
    When the old path is gone on the target, the DAG file fails to import and the DAG disappears
    (error). When the target still redirects it, the DAG loads with a deprecation warning that
    becomes an import error on the next major version (warning). Where the old path still works
    as an alias, the finding is informational: Airflow 3 keeps many moved names importable with a
    deprecation warning (`airflow.operators.python`, `airflow.utils.context.Context`,
    `airflow.models.dag.DAG`), read from each release's own deprecation tables. Try/except
    `ImportError` shims that already offer the new path are not reported.

    ## Example
    ```python
    from airflow.operators.bash_operator import BashOperator
    from airflow.operators.acme_plugin import SftpToS3Operator
    ```

    ## Fix
    Import from the new path (a safe automatic fix; renamed classes are an unsafe one) and add
    the provider to requirements.txt when MWAA does not preinstall it. Plugin classes are imported
    from their own module: MWAA puts the plugins folder (plugins.zip) on `sys.path`.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    - https://docs.astral.sh/ruff/rules/airflow3-moved-to-provider/
    """

    id = "API001"
    name = "moved-import"
    severity = Severity.ERROR
    summary = "Airflow name imported from a path the target moved or renamed"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from airflow.providers.standard.operators.bash import BashOperator
            from airflow.sdk import DAG
        """),
        Valid("from airflow.operators.bash import BashOperator", target="2.11.2"),
        Valid("""
            try:
                from airflow.providers.standard.operators.bash import BashOperator
            except ImportError:
                from airflow.operators.bash import BashOperator
        """, target="2.11.2"),
        Valid("""
            try:
                from airflow.operators.bash_operator import BashOperator
            except ImportError:
                from airflow.providers.standard.operators.bash import BashOperator
        """),
        Valid("""
            from airflow.models import Variable

            VALUE = Variable.get("x")
        """),
    )
    invalid = (
        Invalid("from airflow.operators.bash_operator import BashOperator", line=1,
                contains="airflow.providers.standard.operators.bash.BashOperator"),
        Invalid("from airflow.operators.bash_operator import BashOperator as Bash", target="2.11.2",
                line=1, contains="deprecation"),
        Invalid("""
            import airflow.operators.bash_operator as bo

            t = bo.BashOperator(task_id="a", bash_command="echo")
        """, line=3, contains="airflow.providers.standard.operators.bash.BashOperator"),
        Invalid("""
            import airflow

            hook = airflow.contrib.hooks.aws_hook.AwsHook(aws_conn_id="aws_default")
        """, line=3, contains="AwsBaseHook"),
        Invalid("from airflow.contrib.operators.ssh_operator import SSHOperator", line=1,
                contains="add apache-airflow-providers-ssh"),
        Invalid("from airflow.operators.acme_plugin import SftpToS3Operator", line=1,
                contains="acme.operators.sftp_to_s3.SftpToS3Operator",
                files={"plugins/acme_plugin.py": (
                    "from airflow.plugins_manager import AirflowPlugin\n"
                    "from acme.operators.sftp_to_s3 import SftpToS3Operator\n\n"
                    "class AcmePlugin(AirflowPlugin):\n"
                    "    name = 'acme_plugin'\n"
                    "    operators = [SftpToS3Operator]\n"),
                    "plugins/acme/__init__.py": "",
                    "plugins/acme/operators/__init__.py": "",
                    "plugins/acme/operators/sftp_to_s3.py": (
                        "from airflow.models.baseoperator import BaseOperator\n\n"
                        "class SftpToS3Operator(BaseOperator):\n    pass\n")}),
        Invalid("from airflow.operators.python import PythonOperator", line=1, contains="still works"),
        # A plain module's own alias (add_deprecated_classes in airflow/utils/context.py): it
        # imports on 3.x, so the finding is no error; the fix moves it to the Task SDK all the same.
        Invalid("""
            from airflow.utils.context import Context

            def on_failure(context: Context) -> None:
                print(context["ti"].task_id)
        """, line=1, contains="still works on Airflow 3.3.1 as a deprecated alias", fixed="""
            from airflow.sdk import Context

            def on_failure(context: Context) -> None:
                print(context["ti"].task_id)
        """),
        # An Airflow 3 project on an Airflow 2 target: each Task SDK name goes to its Airflow 2
        # home (the common.compat provider's table), a renamed one with its uses; the import is
        # the finding, not each use (task.short_circuit).
        Invalid("""
            from airflow.sdk import Asset, dag, task, get_current_context

            RAW = Asset("s3://bucket/raw.csv")

            @dag(schedule=[RAW])
            def consume():
                @task.short_circuit
                def check():
                    return get_current_context()["ti"] is not None

                check()
        """, target="2.11.2", line=1, contains="is Airflow 3.3.1's path, which Airflow 2.11.2 does not have",
                fixed="""
            from airflow.datasets import Dataset
            from airflow.decorators import dag, task
            from airflow.operators.python import get_current_context

            RAW = Dataset("s3://bucket/raw.csv")

            @dag(schedule=[RAW])
            def consume():
                @task.short_circuit
                def check():
                    return get_current_context()["ti"] is not None

                check()
        """),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        for problem in import_problems(module, ctx):
            if problem.plugin_module:
                yield self.at_node(
                    module, problem.node,
                    f"{problem.old} is a 1.10 plugin-manager import, which Airflow 2+ no longer "
                    f"provides: import {problem.plugin_module} (MWAA puts the plugins folder on sys.path)",
                    fix=Fix.make(FixSafety.SAFE, f"import {problem.plugin_module}", kind="replace-import",
                                 old=problem.old, new=problem.plugin_module))
                continue
            verdict = problem.verdict
            if verdict is None or verdict.kind == "removed":
                continue
            renamed = verdict.kind == "renamed"
            advice = f" {verdict.advice}" if verdict.advice else ""
            if newer := airflow_api.newer_than(verdict.old, target):  # code written for a newer Airflow
                message = (f"{verdict.old} is Airflow {newer}'s path, which Airflow {target.airflow} does not "
                           f"have: use {verdict.new}{_provider_note(verdict, target)}.{advice}")
            else:
                if verdict.severity is Severity.ERROR:
                    status = f"the old path does not exist on Airflow {target.airflow}"
                elif verdict.severity is Severity.WARNING:
                    status = (f"the old path still imports on Airflow {target.airflow} with a deprecation "
                              f"warning{' and is gone in Airflow 3' if target.major < 3 else ''}")
                else:
                    status = f"the old path still works on Airflow {target.airflow} as a deprecated alias"
                message = (f"{verdict.old} {'was renamed' if renamed else 'moved'}: use {verdict.new}"
                           f"{_provider_note(verdict, target)}; {status}.{advice}")
            # A pod object's constructor differs from its client model's: API014 rewrites the
            # calls, and the import goes with them; swapping the import alone would break them.
            fix = None if airflow_api.kubernetes_object(verdict.old, target) else Fix.make(
                FixSafety.UNSAFE if renamed else FixSafety.SAFE, f"import {verdict.new}", kind="replace-import",
                old=verdict.old, new=verdict.new, required=verdict.severity is Severity.ERROR)
            yield self.at_node(module, problem.node, message, severity=verdict.severity, fix=fix)


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
    `apply_defaults`) is removed by `migrator fix` (safe: it could only fail on the target).

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
        Valid("from airflow.utils.dates import days_ago", target="2.11.2"),
        # airflow.exceptions.__getattr__ still hands these out on 3.x (moved to airflow.sdk.exceptions).
        Valid("from airflow.exceptions import AirflowSkipException, AirflowFailException"),
        Valid("""
            from airflow.models import Variable
            from airflow.operators.python import PythonOperator
        """, target="2.11.2"),
        Valid("""
            try:
                from airflow.utils.dates import days_ago
            except ImportError:
                days_ago = None
            from airflow.providers.standard.operators.empty import EmptyOperator
        """, target="2.11.2"),
        # Names Airflow 2 had that Airflow 3 modules keep as deprecated aliases (a __getattr__
        # in airflow/utils/state.py, add_deprecated_classes in airflow/utils/types.py) are not
        # removed: they import with a warning, and API001 reports the move.
        Valid("""
            from airflow.utils.state import JobState
            from airflow.utils.types import NOTSET
        """),
        # Airflow 3 names Airflow 2 has elsewhere are API001's moves, not removals.
        Valid("from airflow.sdk import DAG, Variable, dag, task", target="2.11.2"),
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
        # A private helper of a contrib module: no provider keeps it, the advice names what does.
        Invalid("from airflow.contrib.operators.sftp_operator import _make_intermediate_dirs", line=1,
                contains="SFTPHook(ssh_conn_id=...).create_directory(path)"),
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
                        fix=Fix.make(FixSafety.SAFE, f"guard the import of {local} with a stand-in class",
                                     required=True, kind="guard-removed-import", name=local))
                    continue
                unused = _never_used(module, problem.node)
                yield self.at_node(module, problem.node,
                                   f"{problem.old} does not exist on Airflow {ctx.target.airflow}: {advice}"
                                   + ("; this module never uses it: remove the import" if unused else ""),
                                   fix=Fix.make(FixSafety.SAFE, f"remove the unused import of {unused}", required=True,
                                                kind="remove-unused-import", name=unused) if unused else None)
