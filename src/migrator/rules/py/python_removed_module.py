"""PY001: Import of a standard-library module the target's Python removed"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid
from migrator.rules.py._helpers import _removal


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
