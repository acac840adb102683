"""PY002: Standard-library function or Python 2 builtin the target's Python lacks"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator import compat
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid
from migrator.rules.py._helpers import _removal


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
        builtins = compat.worker_environment().python2_builtins
        candidates = [n for n in module.nodes_of(ast.Name) if n.id in builtins]
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
                                   f"{builtins[node.id]}")
