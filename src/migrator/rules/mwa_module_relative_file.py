"""MWA021: code reads a file beside it (built from ``__file__``) that the project does not hold."""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

_DIRNAME = "os.path.dirname"
_JOIN = "os.path.join"
_ABSOLUTE = frozenset({"os.path.abspath", "os.path.realpath", "os.path.normpath", "pathlib.Path"})
_PATH_METHODS = frozenset({"resolve", "absolute"})  # Path(__file__).resolve() is still the module's file
_READ_METHODS = frozenset({"read_text", "read_bytes", "open"})  # of a pathlib.Path
_WRITE_MODES = frozenset("wax")
_MODULE_DIR = ""  # a resolved path relative to the module's folder: "" is the folder itself
_HOPS = 4  # names followed from a use back to the expression that built it


def _is_module_file(module: ModuleFacts, node: ast.AST) -> bool:
    """``__file__``, or an absolute or Path form of it."""
    if isinstance(node, ast.Name):
        return node.id == "__file__"
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in _PATH_METHODS and not node.args:
            return _is_module_file(module, node.func.value)
        if module.qualname(node.func) in _ABSOLUTE and len(node.args) == 1:
            return _is_module_file(module, node.args[0])
    return False


def _assigned_values(module: ModuleFacts, name: ast.Name) -> list[ast.AST]:
    """What ``name`` is assigned in the function (or module) that uses it."""
    scope = module.enclosing_function(name) or module.tree
    return [node.value for node in ast.walk(scope) if isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name) and node.targets[0].id == name.id]


def module_relative_path(module: ModuleFacts, node: ast.AST, hops: int = _HOPS) -> str | None:
    """The path ``node`` builds from the module's own location, relative to its folder
    (``os.path.join(os.path.dirname(__file__), "config.json")`` → ``config.json``, ``""`` for the
    folder itself), through local names; None for anything else."""
    if isinstance(node, ast.Name) and hops:
        found = (module_relative_path(module, value, hops - 1) for value in _assigned_values(module, node))
        return next((path for path in found if path is not None), None)
    if isinstance(node, ast.Attribute) and node.attr == "parent" and _is_module_file(module, node.value):
        return _MODULE_DIR
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _literal(node.right) is not None:
        base = module_relative_path(module, node.left, hops)
        return None if base is None else posixpath.join(base, _literal(node.right))
    if not isinstance(node, ast.Call):
        return None
    qualname = module.qualname(node.func)
    if qualname == _DIRNAME and len(node.args) == 1 and _is_module_file(module, node.args[0]):
        return _MODULE_DIR
    if qualname == _JOIN and node.args:
        parts = [_literal(arg) for arg in node.args[1:]]
        base = module_relative_path(module, node.args[0], hops)
        if base is None or None in parts:
            return None
        return posixpath.join(base, *parts)
    return None


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_builtin_open(module: ModuleFacts, call: ast.Call) -> bool:
    return isinstance(call.func, ast.Name) and call.func.id == "open" and "open" not in module.bindings


def _reads(module: ModuleFacts) -> Iterator[tuple[ast.Call, ast.AST]]:
    """Calls that read a file, with the expression of the path: ``open(path)`` (not for
    writing) and ``path.read_text()``, ``path.read_bytes()``, ``path.open()``."""
    for call, _ in module.calls:
        if _is_builtin_open(module, call) and call.args:
            mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
            if not (_literal(mode) and _WRITE_MODES & set(_literal(mode))):
                yield call, call.args[0]
        elif isinstance(call.func, ast.Attribute) and call.func.attr in _READ_METHODS and not call.args:
            yield call, call.func.value


class ModuleRelativeFileMissingRule(PythonRule):
    """
    ## What it does
    Reports code that reads a file it locates beside itself (`os.path.join(os.path.dirname(__file__),
    "config.json")`, `Path(__file__).parent / "config.json"`, through local names) when the
    DAG and plugins folders hold no such file.

    ## Why it matters on MWAA
    MWAA's DAG folder holds exactly what the bundle ships from S3. A file the on-prem deployment
    generated there (a CI step rendering `config.json`, a gitignored secret file, a copy made by
    hand) is not in the project, so not in the bundle: the read raises `FileNotFoundError`,
    at every parse when a DAG file reads it at import time, and the DAG does not load.

    ## Example
    ```python
    def get_config():
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.json")
        with open(path) as fh:  # config.json is generated by the deploy job, and gitignored
            return json.load(fh)
    ```

    ## Fix
    Generate the file before `migrator package` so the bundle carries it (or commit it), or
    read its values from Airflow Variables (Secrets Manager on MWAA) inside the tasks.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    - https://airflow.apache.org/docs/apache-airflow/stable/best-practices.html#top-level-python-code
    """

    id = "MWA021"
    name = "module-relative-file-missing"
    severity = Severity.ERROR
    summary = "Code reads a file beside it that the DAG and plugins folders do not hold"
    needs_airflow_import = False
    valid = (
        Valid("""
            import json
            import os
            from pathlib import Path

            HERE = os.path.dirname(os.path.abspath(__file__))
            with open(os.path.join(HERE, "config", "feeds.json")) as fh:
                FEEDS = json.load(fh)
            QUERY = (Path(__file__).resolve().parent / "sql" / "load.sql").read_text()
        """, files={"dags/config/feeds.json": "{}\n", "dags/sql/load.sql": "select 1\n"}),
        # Written before it is read: the code makes the file itself.
        Valid("""
            import os

            CACHE = os.path.join(os.path.dirname(__file__), "cache.txt")
            with open(CACHE, "w") as fh:
                fh.write("x")
            with open(CACHE) as fh:
                CACHED = fh.read()
        """),
    )
    invalid = (
        Invalid("""
            import json
            import os

            def get_config(path=None):
                if path is None:
                    my_dir = os.path.dirname(os.path.abspath(__file__))
                    path = os.path.join(my_dir, "config.json")
                with open(path) as file:
                    return json.load(file)
        """, path="dags/utils.py", line=8, contains="dags/config.json"),
        Invalid("""
            from pathlib import Path

            SCHEMA = (Path(__file__).parent / "schemas" / "events.avsc").read_text()
        """, line=3, contains="dags/schemas/events.avsc"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        folder = posixpath.dirname(module.path)
        reads = dict(_reads(module))
        written = {module_relative_path(module, call.args[0]) for call, _ in module.calls
                   if _is_builtin_open(module, call) and call.args and call not in reads}
        for call, path_node in reads.items():
            relative = module_relative_path(module, path_node)
            if not relative or relative in written:
                continue
            path = posixpath.normpath(posixpath.join(folder, relative))
            if path.startswith("../") or path in ctx.index.folder_files:
                continue
            yield self.finding(module.path, module.location(call), (
                f"reads {path}, which the DAG and plugins folders do not hold (generated or kept out of "
                "the repository on-prem?): MWAA's DAG folder has only what the bundle ships, so this raises "
                "FileNotFoundError; ship the file with the DAGs or read its values from Variables in the tasks"),
                anchor=path)
