"""MWA021: code reads a file the bundle does not put where the code looks for it: a file beside it
(built from ``__file__``) that the project does not hold, or a project file named by a path
relative to the working directory, which on MWAA is not the project's root."""

from __future__ import annotations

import ast
import posixpath
from collections.abc import Iterator

from migrator import compat
from migrator.analysis.parsed_module import walk
from migrator.analysis.python import ModuleFacts
from migrator.analysis.read_paths import normalized_relative
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplaceValue
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

_DIRNAME = "os.path.dirname"


_JOIN = "os.path.join"


_ABSOLUTE = frozenset({"os.path.abspath", "os.path.realpath", "os.path.normpath", "pathlib.Path"})


_PATH_METHODS = frozenset({"resolve", "absolute"})  # Path(__file__).resolve() is still the module's file


_READ_METHODS = frozenset({"read_text", "read_bytes", "open"})  # of a pathlib.Path


_WRITE_MODES = frozenset("wax")


# Functions that read the file their first argument names.
_PATH_READERS = frozenset({"pandas.read_csv", "pandas.read_json", "pandas.read_excel", "pandas.read_parquet"})


_ENV_GETTERS = frozenset({"os.getenv", "os.environ.get"})


_PATH = "pathlib.Path"


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
    return [node.value for node in walk(scope) if isinstance(node, ast.Assign) and len(node.targets) == 1
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
    writing), ``path.read_text()``, ``path.read_bytes()``, ``path.open()`` and
    ``pandas.read_csv(path)``."""
    for call, qualname in module.calls:
        if _is_builtin_open(module, call) and call.args:
            mode = call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "mode"), None)
            if not (_literal(mode) and _WRITE_MODES & set(_literal(mode))):
                yield call, call.args[0]
        elif isinstance(call.func, ast.Attribute) and call.func.attr in _READ_METHODS and not call.args:
            yield call, call.func.value
        elif qualname in _PATH_READERS and call.args:
            yield call, call.args[0]


def _env_default(module: ModuleFacts, call: ast.Call) -> ast.AST | None:
    """The default of ``os.getenv("X", default)`` or ``os.environ.get("X", default)``."""
    if module.qualname(call.func) not in _ENV_GETTERS:
        return None
    return call.args[1] if len(call.args) > 1 else next((k.value for k in call.keywords if k.arg == "default"), None)


def working_dir_relative_path(module: ModuleFacts, node: ast.AST, hops: int = _HOPS) -> str | None:
    """The relative path literal ``node`` is, through local names, ``pathlib.Path(...)``, ``/``,
    ``os.path.join`` of literals and an environment lookup's default (``os.getenv("SRC",
    "catalogs/catalog.yaml")``), normalized; None for anything else or an absolute path."""
    if isinstance(node, ast.Name) and hops:
        found = (working_dir_relative_path(module, value, hops - 1) for value in _assigned_values(module, node))
        return next((path for path in found if path is not None), None)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and _literal(node.right) is not None:
        base = working_dir_relative_path(module, node.left, hops)
        return None if base is None else normalized_relative(posixpath.join(base, _literal(node.right)))
    if not isinstance(node, ast.Call):
        return normalized_relative(_literal(node) or "")
    if (default := _env_default(module, node)) is not None:
        return working_dir_relative_path(module, default, hops)
    qualname = module.qualname(node.func)
    if qualname == _PATH and len(node.args) == 1:
        return working_dir_relative_path(module, node.args[0], hops)
    if qualname == _JOIN and node.args and None not in (parts := [_literal(arg) for arg in node.args]):
        return normalized_relative(posixpath.join(*parts))
    return None


def _dag_folder_place(path: str, ctx: RuleContext) -> str | None:
    """Where the bundle puts a DAG-folder file on MWAA, relative to the working directory there
    (``dags/...``); None for any other file."""
    paths = compat.worker_paths()
    dags = posixpath.relpath(paths.dags, paths.working_directory)
    for folder in ctx.index.dag_folders:
        prefix = "" if folder == "." else folder.rstrip("/") + "/"
        if path.startswith(prefix):
            return posixpath.join(dags, path[len(prefix):])
    return None


class ModuleRelativeFileMissingRule(PythonRule):
    """
    ## What it does
    Reports code that reads a file it locates beside itself (`os.path.join(os.path.dirname(__file__),
    "config.json")`, `Path(__file__).parent / "config.json"`, through local names) when the
    DAG and plugins folders hold no such file. Reports too code that reads a project file by its
    path from the project's root (`open("catalogs/catalog.yaml")`, `pandas.read_csv("data/x.csv")`,
    the default of `os.getenv("CATALOG", "catalogs/catalog.yaml")`) when MWAA's working directory
    has no file at that path: an error when it runs while the file is parsed, a warning inside a
    function (a task reads it at run time, or a DAG factory while parsed).

    ## Why it matters on MWAA
    MWAA's DAG folder holds exactly what the bundle ships from S3. A file the on-prem deployment
    generated there (a CI step rendering `config.json`, a gitignored secret file, a copy made by
    hand) is not in the project, so not in the bundle: the read raises `FileNotFoundError`,
    at every parse when a DAG file reads it at import time, and the DAG does not load.
    A relative path resolves from the working directory. On-prem that is often the project's root
    (a compose service, an image whose WORKDIR holds the checkout); MWAA starts Airflow in
    `/usr/local/airflow`, where only `dags/` and `plugins/` come from the bundle, so the file
    is not found there even when the project holds it.

    ## Example
    ```python
    def get_config():
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.json")
        with open(path) as fh:  # config.json is generated by the deploy job, and gitignored
            return json.load(fh)
    ```

    ## Fix
    Generate the file before `migrator package` so the bundle carries it (or commit it), or
    read its values from Airflow Variables (Secrets Manager on MWAA) inside the tasks. For a path
    from the project's root, put the file in the DAG folder and build its path from the module's
    own location (`os.path.join(os.path.dirname(__file__), "catalog.yaml")`). When the file is
    in the DAG folder already and the literal is at the read, `migrator fix` rewrites it to
    the path MWAA's working directory has it at (`"airflow/dags/data/x.csv"` -> `"dags/data/x.csv"`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-folder.html
    - https://airflow.apache.org/docs/apache-airflow/stable/best-practices.html#top-level-python-code
    """

    id = "MWA021"
    name = "module-relative-file-missing"
    severity = Severity.ERROR
    summary = "Code reads a file beside it, or from the project's root, that MWAA does not have there"
    needs_airflow_import = False
    fix_safety = FixSafety.SAFE
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
        # A helper package outside the DAG folder that the DAGs import: the bundle carries it
        # into plugins.zip with the data files beside its modules.
        Valid("""
            from pathlib import Path

            import pandas

            FUNDERS = pandas.read_csv(Path(__file__).parent / "data" / "funders.csv")
        """, path="acme/funders.py", files={"acme/__init__.py": "", "acme/data/funders.csv": "id\n",
                                            "dags/load.py": "import airflow\nfrom acme import funders\n"}),
        # A path from the project's root that the bundle has at the same place under MWAA's
        # working directory: the DAG folder is dags/, which MWAA has at /usr/local/airflow/dags.
        Valid("""
            import os

            import yaml

            with open(os.getenv("FEEDS_FILE", "dags/config/feeds.yaml")) as fh:
                FEEDS = yaml.safe_load(fh)
        """, files={"dags/config/feeds.yaml": "{}\n"}),
        # A relative path naming no project file (written by the task, or another host's): not
        # this rule's to judge.
        Valid("""
            import pandas

            def load():
                return pandas.read_csv("exports/today.csv")
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
        # The same helper package without the file it reads (kept out of the repository).
        Invalid("""
            from pathlib import Path

            import pandas

            FUNDERS = pandas.read_csv(Path(__file__).parent / "data" / "funders.csv")
        """, path="acme/funders.py", files={"acme/__init__.py": "", "dags/load.py": "import airflow\nfrom acme import funders\n"},
            line=5, contains="acme/data/funders.csv"),
        # The default of an environment lookup, read while parsed through a helper: the project
        # holds the file at its root, which is not MWAA's working directory.
        Invalid("""
            import os

            import yaml

            def catalog_file():
                return os.getenv("CATALOG_SOURCE", "catalogs/catalog.yaml")

            with open(catalog_file()) as fh:
                CATALOG = yaml.safe_load(fh)
        """, files={"catalogs/catalog.yaml": "sources: {}\n"}, line=6, contains="catalogs/catalog.yaml"),
        # Read at module level from the root of a DAG folder the bundle renames to dags/: the
        # literal becomes the path MWAA's working directory has the file at.
        Invalid("""
            import pandas

            FUNDERS = pandas.read_csv("airflow/dags/data/funders.csv")
        """, path="airflow/dags/funders.py", files={"airflow/dags/data/funders.csv": "id\n"},
            line=3, contains="the bundle puts it at dags/data/funders.csv",
            fixed='import pandas\n\nFUNDERS = pandas.read_csv("dags/data/funders.csv")\n'),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        yield from self._module_relative(module, ctx)
        yield from self._working_dir_relative(module, ctx)

    def _module_relative(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        folder = posixpath.dirname(module.path)
        reads = dict(_reads(module))
        written = {module_relative_path(module, call.args[0]) for call, _ in module.calls
                   if _is_builtin_open(module, call) and call.args and call not in reads}
        for call, path_node in reads.items():
            relative = module_relative_path(module, path_node)
            if not relative or relative in written:
                continue
            path = posixpath.normpath(posixpath.join(folder, relative))
            if path.startswith("../") or path in ctx.index.folder_files or path in ctx.index.helper_files:
                continue  # shipped: in the DAG or plugins folder, or carried with the helper package beside it
            yield self.finding(module.path, module.location(call), (
                f"reads {path}, which the DAG and plugins folders do not hold (generated or kept out of "
                "the repository on-prem?): MWAA's DAG folder has only what the bundle ships, so this raises "
                "FileNotFoundError; ship the file with the DAGs or read its values from Variables in the tasks"),
                anchor=path)

    def _working_dir_relative(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        """Reads (and environment defaults) of a project file by its path from the project's root."""
        if not ctx.index.root_named_files:
            return
        env_defaults = [(call, _env_default(module, call)) for call, _ in module.calls]
        candidates = [*_reads(module), *((call, default) for call, default in env_defaults if default)]
        sites: dict[str, tuple[ast.Call, ast.AST]] = {}  # one finding per file named, at its first site
        for call, path_node in sorted(candidates, key=lambda site: (site[0].lineno, site[0].col_offset)):
            path = working_dir_relative_path(module, path_node)
            if path in ctx.index.root_named_files and path not in sites:
                sites[path] = (call, path_node)
        working_directory = compat.worker_paths().working_directory
        for path, (call, path_node) in sites.items():
            shipped = path in ctx.index.folder_files
            place = _dag_folder_place(path, ctx) if shipped else None
            if shipped and place in (None, path):
                continue  # where MWAA's working directory has it (a plugins file: its layout is the bundle's)
            fix = None
            if place:
                where, remedy = f"the bundle puts it at {place}", f"read it as {place}"
                if _literal(path_node) is not None:  # the literal itself is at the read: rewritten in place
                    fix = ReplaceValue(safety=FixSafety.SAFE,
                                       description=f"read {place}, where MWAA's working directory has the file",
                                       old=_literal(path_node), new=place)
            else:
                where = "the bundle does not carry it (it is outside the DAG and plugins folders)"
                remedy = ("put the file in the DAG folder and build its path from os.path.dirname(__file__), "
                          "or read the value from an Airflow Variable")
            at_parse = module.runs_at_import(call)
            when = ("while the file is parsed" if at_parse else
                    "when this code runs (in a task, or while parsed when a DAG file calls it at its top level)")
            yield self.finding(module.path, module.location(call), (
                f"reads {path} by its path from the project's root, {when}: MWAA starts Airflow in "
                f"{working_directory}, where {where}, so this raises FileNotFoundError; {remedy}"),
                anchor=path, severity=None if at_parse else Severity.WARNING, fix=fix)
