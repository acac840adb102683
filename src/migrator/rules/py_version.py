"""PY: standard-library modules, functions and Python 2 builtins the target's Python lacks.

MWAA runs Python 3.11 (Airflow 2.7-2.10) or 3.12 (2.11 and 3.x); code from a 1.10 deployment
was often written for Python 2.7 or 3.6 and still imports what 3.10-3.12 removed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis import airflow_api, platform
from migrator.analysis.python import ModuleFacts
from migrator.compat import RemovedStdlib
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


def _tuple(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def _removal(name: str, python: str) -> tuple[RemovedStdlib, Severity] | None:
    """A stdlib name's removal and how bad it is on ``python``: an error when that Python no
    longer has it, a warning when the Python of a newer MWAA version removed it (the next
    upgrade breaks), None when neither."""
    entry = airflow_api.removed_stdlib(python).get(name)
    if entry is not None:
        return entry, Severity.ERROR
    entry = airflow_api.removed_stdlib(airflow_api.newest_mwaa_python()).get(name)
    if entry is not None and _tuple(entry.removed_in) > _tuple(python):
        return entry, Severity.WARNING
    return None


class PythonRemovedModuleRule(PythonRule):
    """
    ## What it does
    Reports imports of standard-library modules that the target's Python removed
    (`distutils`, `imp`, `asynchat`, `asyncore`, `smtpd` in 3.12; `formatter`, `parser`,
    `symbol` in 3.10; `binhex` in 3.11), in DAG files and in every helper module next to them.
    On a Python 3.11 target, modules that MWAA's Python 3.12 versions lack are warnings.

    ## Why it matters on MWAA
    The import fails with `ModuleNotFoundError`, so the DAG file (or every DAG importing the
    helper) is broken. MWAA's Python is fixed by its Airflow version: 3.11 for Airflow 2.7-2.10,
    3.12 for 2.11 and 3.x.

    ## Example
    ```python
    from distutils.util import strtobool
    import imp
    ```

    ## Fix
    Use the replacement the message names (`importlib` for `imp`, `setuptools`/`packaging` or a
    few lines of code for `distutils`, `asyncio` for `asyncore`/`asynchat`).

    ## References
    - https://docs.python.org/3/whatsnew/3.12.html#removed
    - https://peps.python.org/pep-0594/
    - https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-versions.html
    """

    id = "PY001"
    name = "python-removed-module"
    severity = Severity.ERROR
    summary = "Import of a standard-library module the target's Python removed"
    needs_airflow_import = False
    valid = (
        Valid("""
            import importlib.util
            import collections.abc
            from setuptools import setup
        """),
        Valid("""
            try:
                from distutils.util import strtobool
            except ImportError:
                strtobool = None
        """),
    )
    invalid = (
        Invalid("import imp", line=1, contains="importlib"),
        Invalid("from distutils.util import strtobool", line=1, contains="Python 3.12"),
        Invalid("import distutils.core", line=1, contains="setuptools"),
        Invalid("import asyncore as core", line=1),
        # MWAA 2.10.3 runs Python 3.11, which still has distutils: a warning for the next upgrade.
        Invalid("from distutils.version import LooseVersion", target="2.10.3", line=1,
                contains="newer MWAA versions run"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        python = ctx.target.python
        for imported in module.imports:
            if imported.guarded and not imported.in_fallback:
                continue  # try: import old / except ImportError: the code already copes
            name = imported.qualname if not imported.is_from else _module_of(imported)
            parts = name.split(".")
            found = next((r for r in (_removal(".".join(parts[:n]), python) for n in range(1, len(parts) + 1))
                          if r is not None and r[0].kind == "module"), None)
            if found is None:
                continue
            entry, severity = found
            when = (f"the target's Python {python} no longer has it" if severity is Severity.ERROR
                    else f"Python {entry.removed_in}, which newer MWAA versions run, does not have it")
            replacement = f": use {entry.replacement}" if entry.replacement else ""
            yield self.at_node(module, imported.alias,
                               f"{entry.name} was removed in Python {entry.removed_in}; {when}{replacement}",
                               severity=severity)


def _module_of(imported) -> str:
    node = imported.node
    return node.module or "" if isinstance(node, ast.ImportFrom) else imported.qualname


class PythonRemovedApiRule(PythonRule):
    """
    ## What it does
    Reports uses of standard-library functions and aliases removed by the target's Python
    (`collections.Mapping` and the other ABC aliases, `inspect.getargspec`, `asyncio.coroutine`,
    `configparser.SafeConfigParser`, `ssl.wrap_socket`, `time.clock`, ...) and Python 2 builtins
    (`unicode`, `basestring`, `xrange`, `raw_input`, `reduce`, ...) that the module does not
    define itself.

    ## Why it matters on MWAA
    These fail only when the line runs (`AttributeError`, `NameError`), often inside a task at
    3 a.m. rather than when the DAG is parsed.

    ## Example
    ```python
    isinstance(value, collections.Mapping)
    spec = inspect.getargspec(fn)
    ```

    ## Fix
    Use the replacement the message names (`collections.abc.Mapping`,
    `inspect.getfullargspec`/`inspect.signature`, `str`, `range`, `functools.reduce`, ...).

    ## References
    - https://docs.python.org/3/whatsnew/3.10.html#removed
    - https://docs.python.org/3/whatsnew/3.11.html#removed
    - https://docs.python.org/3/whatsnew/3.12.html#removed
    """

    id = "PY002"
    name = "python-removed-api"
    severity = Severity.ERROR
    summary = "Standard-library function or Python 2 builtin the target's Python lacks"
    needs_airflow_import = False
    valid = (
        Valid("""
            import collections.abc
            import inspect

            def wants_context(fn, value):
                return isinstance(value, collections.abc.Mapping) and inspect.getfullargspec(fn)
        """),
        Valid("""
            from functools import reduce

            def unicode(text):
                return str(text)

            total = reduce(lambda a, b: a + b, [unicode(1)])
        """),
    )
    invalid = (
        Invalid("""
            import collections

            def merge(value):
                return isinstance(value, collections.Mapping)
        """, line=4, contains="collections.abc.Mapping"),
        Invalid("""
            import inspect as insp

            spec = insp.getargspec(print)
        """, line=3, contains="inspect.signature"),
        Invalid("""
            from collections import MutableMapping
        """, line=1),
        Invalid("""
            def label(value):
                return unicode(value)
        """, line=2, contains="str"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        python = ctx.target.python
        for imported in module.imports:
            if imported.is_from and not (imported.guarded and not imported.in_fallback):
                finding = self._removed(module, imported.alias, imported.qualname, python)
                if finding:
                    yield finding
        for node, qualname in module.name_uses:
            if isinstance(node, ast.Attribute):
                finding = self._removed(module, node, qualname, python)
                if finding:
                    yield finding
        yield from self._python2_builtins(module)

    def _removed(self, module: ModuleFacts, node: ast.AST, qualname: str, python: str) -> Finding | None:
        found = _removal(qualname, python)
        if found is None or found[0].kind != "attribute":
            return None
        entry, severity = found
        replacement = f": use {entry.replacement}" if entry.replacement else ""
        return self.at_node(module, node,
                            f"{qualname} was removed in Python {entry.removed_in} (target: Python "
                            f"{python}){replacement}", severity=severity)

    def _python2_builtins(self, module: ModuleFacts) -> Iterator[Finding]:
        if module.tree is None:
            return
        candidates = [n for n in module.nodes_of(ast.Name) if n.id in platform.PYTHON2_BUILTINS]
        if not candidates:
            return
        defined = set(module.bindings) | set(module.function_defs)
        defined |= {n.id for n in module.nodes_of(ast.Name) if isinstance(n.ctx, ast.Store)}
        defined |= {n.name for n in module.nodes_of(ast.ClassDef)}
        defined |= {n.arg for n in module.nodes_of(ast.arg)}
        for node in candidates:
            if isinstance(node.ctx, ast.Load) and node.id not in defined:
                yield self.at_node(module, node,
                                   f"{node.id} is a Python 2 builtin; Python 3 raises NameError: use "
                                   f"{platform.PYTHON2_BUILTINS[node.id]}")
