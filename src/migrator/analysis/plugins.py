"""Airflow plugins: every ``AirflowPlugin`` subclass, what it registers, and plugins.zip layout.

MWAA unpacks plugins.zip into ``/usr/local/airflow/plugins`` and puts that folder on
``sys.path``: modules at the zip root import as top-level modules. This module reads the
project's plugins folder the way that zip will be built (its contents at the zip root) and
records the layout facts rules need: nested ``plugins/plugins/``, folders without
``__init__.py``, code importing ``plugins.x`` or DAG-folder modules.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath

from migrator.analysis.crashes import AnalysisCrash, contained
from migrator.analysis.python import ModuleFacts
from migrator.analysis.source import Problem, read_bytes
from migrator.cache import FileFacts
from migrator.findings import Location

# Registration attributes of AirflowPlugin across Airflow 1.10 .. 3.x.
REGISTRATION_ATTRIBUTES = (
    "operators", "sensors", "hooks", "executors", "macros", "admin_views", "menu_links",
    "flask_blueprints", "appbuilder_views", "appbuilder_menu_items", "global_operator_extra_links",
    "operator_extra_links", "timetables", "listeners", "fastapi_apps", "fastapi_root_middlewares",
    "external_views", "react_apps", "priority_weight_strategies", "source_url",
)
# The plugin manager of Airflow 1.10 exposed these registrations as airflow.<kind>.<plugin>.<Name>.
NAMESPACED_REGISTRATIONS = ("operators", "sensors", "hooks", "executors", "macros")
# Spaces and tabs only: "\s" would run across blank lines from every line start.
_PLUGINS_IMPORT = re.compile(r"^[ \t]*(from[ \t]+plugins(\.[\w.]+)?[ \t]+import\b|import[ \t]+plugins(\.|\b))",
                             re.MULTILINE)


@dataclass(frozen=True)
class Registration:
    attribute: str
    items: tuple[str, ...]  # qualified names where resolvable, else the source text
    line: int


@dataclass(frozen=True)
class PluginDef:
    class_name: str
    name: str | None  # the plugin's ``name`` attribute
    path: str
    line: int
    module_name: str
    registrations: tuple[Registration, ...] = ()

    def registered(self, attribute: str) -> Registration | None:
        return next((r for r in self.registrations if r.attribute == attribute and r.items), None)

    def to_json(self) -> dict:
        return {"class": f"{self.module_name}.{self.class_name}", "name": self.name, "path": self.path,
                "registers": {r.attribute: list(r.items) for r in self.registrations if r.items}}


@dataclass(frozen=True)
class ImportSite:
    path: str
    line: int
    module: str  # the imported dotted name
    location: Location | None = None  # the imported name's span, where a fix rewrites the import


PLUGINS_ZIP = "plugins.zip"


@dataclass
class PluginFacts:
    folder: str | None
    plugins: list[PluginDef] = field(default_factory=list)
    zip_entries: list[str] = field(default_factory=list)  # paths inside plugins.zip
    nested_plugins_dir: str | None = None  # "plugins/plugins" when the folder nests itself
    prebuilt_zips: list[str] = field(default_factory=list)  # project paths of plugins.zip inside it
    packages_without_init: list[str] = field(default_factory=list)  # project paths of such folders
    # (top-level plugins folder without __init__.py, the DAG-folder module or regular package
    # of the same name that hides it: the import system takes a regular package or a module
    # anywhere on sys.path over every namespace portion)
    shadowed_namespaces: list[tuple[str, str]] = field(default_factory=list)
    plugins_package_imports: list[ImportSite] = field(default_factory=list)  # import plugins.x
    dag_folder_imports: list[ImportSite] = field(default_factory=list)  # plugin code -> DAG folder
    third_party_imports: list[ImportSite] = field(default_factory=list)  # plugin code -> top-level names
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    crashes: list[AnalysisCrash] = field(default_factory=list)

    def exports(self) -> tuple[tuple[str, str], ...]:
        """1.10 plugin-manager names -> the dotted path the code really lives at."""
        pairs = []
        for plugin in self.plugins:
            if not plugin.name:
                continue
            for registration in plugin.registrations:
                if registration.attribute not in NAMESPACED_REGISTRATIONS:
                    continue
                for item in registration.items:
                    if "." in item:
                        pairs.append((f"airflow.{registration.attribute}.{plugin.name}.{item.rsplit('.', 1)[1]}", item))
        return tuple(sorted(set(pairs)))


def _is_plugin_base(module: ModuleFacts, base: ast.expr) -> bool:
    qualname = module.qualname(base)
    if qualname:
        return qualname.rsplit(".", 1)[-1] == "AirflowPlugin" and qualname.startswith("airflow")
    return isinstance(base, ast.Name) and base.id == "AirflowPlugin"


def _item_name(module: ModuleFacts, node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    qualname = module.qualname(target)
    if qualname:
        return qualname
    if isinstance(target, ast.Name) and module.module_name:
        return f"{module.module_name}.{target.id}"  # defined in the plugin module itself
    return ast.unparse(node)


def plugins_in_module(module: ModuleFacts) -> list[PluginDef]:
    if module.tree is None:
        return []
    found = []
    for node in ast.walk(module.tree):
        if not isinstance(node, ast.ClassDef) or not any(_is_plugin_base(module, b) for b in node.bases):
            continue
        name = None
        registrations = []
        for statement in node.body:
            targets = statement.targets if isinstance(statement, ast.Assign) else (
                [statement.target] if isinstance(statement, ast.AnnAssign) and statement.value else [])
            for target in targets:
                if not isinstance(target, ast.Name):
                    continue
                value = statement.value
                if target.id == "name" and isinstance(value, ast.Constant) and isinstance(value.value, str):
                    name = value.value
                elif target.id in REGISTRATION_ATTRIBUTES:
                    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
                        items = tuple(_item_name(module, element) for element in value.elts)
                    elif isinstance(value, ast.Constant) and value.value in (None, ""):
                        items = ()
                    else:
                        items = (ast.unparse(value),)
                    registrations.append(Registration(target.id, items, statement.lineno))
        found.append(PluginDef(node.name, name, module.path, node.lineno, module.module_name, tuple(registrations)))
    return found


def _in_folder(rel: str, folder: str | None) -> bool:
    return folder is not None and (folder == "." or rel.startswith(folder.rstrip("/") + "/"))


def _candidate_files(workspace, modules) -> list[str]:
    """Plugin-folder files, plus DAG-folder files that define an AirflowPlugin (known from the
    module summaries' imports when given, else from the file bytes)."""
    folder = workspace.plugins_folder
    if modules is not None:
        importing = {m.path for m in modules if any(i.rsplit(".", 1)[-1] == "AirflowPlugin" for i in m.imports)}
        return [rel for rel in workspace.python_files if _in_folder(rel, folder) or rel in importing]
    files = []
    for rel in workspace.python_files:
        if _in_folder(rel, folder):
            files.append(rel)
            continue
        data = read_bytes(workspace.path(rel))
        if not isinstance(data, Problem) and b"AirflowPlugin" in data:
            files.append(rel)
    return files


_SRC_LAYOUT = "src/"


class _SourceRoots:
    """Which dotted names are modules of the DAG folders or of the plugins folder, answered
    from file paths (no module-name computation for every file of a large project)."""

    def __init__(self, workspace):
        plugins = workspace.plugins_folder
        self.dag_roots = [f for f in workspace.dag_folders if f != plugins]
        self.plugin_roots = [plugins] if plugins else []
        self.files = set(workspace.python_files)
        self.other_files = workspace.other_python_files
        self.folders = {rel.rpartition("/")[0] for rel in self.files}

    def _exists(self, roots: list[str], name: str) -> bool:
        parts = name.split(".")
        for root in roots:
            base = "" if root == "." else root.rstrip("/") + "/"
            for end in range(len(parts), 0, -1):
                path = base + "/".join(parts[:end])
                if f"{path}.py" in self.files or f"{path}/__init__.py" in self.files or path in self.folders:
                    return True
        return False

    def in_dag_folders(self, name: str) -> bool:
        return self._exists(self.dag_roots, name)

    def in_plugins(self, name: str) -> bool:
        return self._exists(self.plugin_roots, name)

    def top_level_names(self) -> set[str]:
        """Top-level modules and packages of the DAG and plugins folders, and the repository's
        own (at its root or under ``src/``): imports of them are the project's, not PyPI's."""
        names = set()
        for root in [*self.dag_roots, *self.plugin_roots]:
            base = "" if root == "." else root.rstrip("/") + "/"
            for rel in self.files:
                if rel.startswith(base):
                    names.add(rel[len(base):].split("/", 1)[0].removesuffix(".py"))
        for rel in self.other_files:
            names.add(rel.removeprefix(_SRC_LAYOUT).split("/", 1)[0].removesuffix(".py"))
        return names


def project_top_level_names(workspace) -> set[str]:
    """The project's own top-level modules and packages (DAG and plugins folders, the
    repository root, ``src/``): an import of one of them is no PyPI package's."""
    return _SourceRoots(workspace).top_level_names()


def _zip_layout(facts: PluginFacts, workspace) -> None:
    folder = facts.folder
    if folder is None:
        return
    base = workspace.path(folder)
    entries: list[str] = []
    packages: dict[str, bool] = {}  # folder (zip path) -> has __init__.py
    for path in sorted(base.rglob("*")):
        rel = path.relative_to(base)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts) or not path.is_file():
            continue
        zip_path = rel.as_posix()
        if path.suffix == ".pyc":
            continue
        entries.append(zip_path)
        if path.suffix == ".py" and len(rel.parts) > 1:
            for depth in range(1, len(rel.parts)):
                packages.setdefault(PurePosixPath(*rel.parts[:depth]).as_posix(), False)
        if path.name == "__init__.py" and len(rel.parts) > 1:
            packages[PurePosixPath(*rel.parts[:-1]).as_posix()] = True
    facts.zip_entries = entries
    prefix = "" if folder == "." else folder.rstrip("/") + "/"
    facts.prebuilt_zips = [f"{prefix}{e}" for e in entries
                           if PurePosixPath(e).name.lower() == PLUGINS_ZIP]
    facts.packages_without_init = sorted(f"{prefix}{p}" for p, has_init in packages.items() if not has_init)
    top = {e.split("/", 1)[0] for e in entries}
    if "plugins" in top and any(e.startswith("plugins/") for e in entries):
        facts.nested_plugins_dir = f"{prefix}plugins"


def analyse_plugins(workspace, modules=None, file_facts: FileFacts | None = None) -> PluginFacts:
    """Inventory the plugins and the layout plugins.zip will have.

    ``modules`` are the scan's module summaries; with them only the files that matter are
    read again, which keeps this cheap on projects with tens of thousands of DAG files. What
    it takes of each module is a fact of the file (``file_facts``): a comment added to a plugin
    changes none.
    """
    file_facts = file_facts or FileFacts()
    facts = PluginFacts(workspace.plugins_folder)
    _zip_layout(facts, workspace)
    roots = _SourceRoots(workspace)
    local_tops = roots.top_level_names()
    stdlib = sys.stdlib_module_names

    def read_module(rel: str) -> None:
        data = read_bytes(workspace.path(rel), for_facts=True)
        if isinstance(data, Problem):
            return  # reported by the MIG rules
        module_name = workspace.module_name(rel)
        found = file_facts.of("plugin_module", rel, data, partial(_plugin_module, rel, module_name), (module_name,))
        if found is None:
            return  # reported by the MIG rules
        plugins, imports = found
        facts.plugins.extend(plugins)
        if not _in_folder(rel, facts.folder):
            return
        for name, line, guarded in imports:
            top = name.split(".", 1)[0]
            if roots.in_dag_folders(name) and not roots.in_plugins(name):
                facts.dag_folder_imports.append(ImportSite(rel, line, name))
            elif (top not in stdlib and top not in local_tops and top not in ("airflow", "plugins", "__future__")
                  and not guarded):
                facts.third_party_imports.append(ImportSite(rel, line, name))

    for rel in _candidate_files(workspace, modules):
        contained(facts.crashes, rel, "plugin module", read_module, rel)
    facts.shadowed_namespaces = _shadowed_namespaces(facts, roots)
    if facts.nested_plugins_dir is not None:
        # With plugins/plugins/, `plugins.x` imports resolve on MWAA exactly when x is in the
        # nested folder; the others break like everywhere else.
        nested = workspace.root / facts.nested_plugins_dir
        facts.plugins_package_imports = [
            site for site in _plugins_package_imports(workspace, modules)
            if not _resolves_under(nested, site.module.split(".")[1:])]
    elif not roots.in_plugins("plugins"):
        facts.plugins_package_imports = _plugins_package_imports(workspace, modules)
    return facts


def _plugin_module(rel: str, module_name: str, data: bytes
                   ) -> tuple[tuple[PluginDef, ...], tuple[tuple[str, int, bool], ...]] | None:
    """The plugin classes a module defines and its absolute imports ``(name, line, guarded)``;
    None when it cannot be read as Python."""
    module = ModuleFacts.from_bytes(rel, data, module_name)
    if module.problem:
        return None
    # Relative imports stay inside the plugins folder.
    imports = tuple((imported.qualname, imported.node.lineno, imported.guarded) for imported in module.imports
                    if not getattr(imported.node, "level", 0))
    return tuple(plugins_in_module(module)), imports


def _shadowed_namespaces(facts: PluginFacts, roots: _SourceRoots) -> list[tuple[str, str]]:
    """Top-level plugins folders without ``__init__.py`` (namespace packages, which import fine
    on Python 3) that a module or regular package of a DAG folder, also on sys.path, hides."""
    prefix = "" if facts.folder in (None, ".") else facts.folder.rstrip("/") + "/"
    found = []
    for folder in facts.packages_without_init:
        name = folder[len(prefix):]
        if "/" in name:
            continue  # inside a package: a portion of its __path__, nothing else competes
        for root in roots.dag_roots:
            base = "" if root == "." else root.rstrip("/") + "/"
            hiding = next((c for c in (f"{base}{name}/__init__.py", f"{base}{name}.py") if c in roots.files), None)
            if hiding:
                found.append((folder, hiding))
                break
    return found


def _resolves_under(folder, parts: list[str]) -> bool:
    """Whether the dotted ``parts`` (a module, or a module then a name) exist under ``folder``."""
    for end in range(len(parts), max(len(parts) - 2, 0), -1):
        base = folder.joinpath(*parts[:end])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file() or base.is_dir():
            return True
    return not parts


def _plugins_package_imports(workspace, modules) -> list[ImportSite]:
    """``import plugins.x`` / ``from plugins.x import y`` anywhere in the DAG and plugin code,
    one site per imported name (its full dotted name)."""
    if modules is not None:
        paths = [m.path for m in modules if any(i == "plugins" or i.startswith("plugins.") for i in m.imports)]
    else:
        paths = list(workspace.python_files)
    sites = []
    for rel in paths:
        data = read_bytes(workspace.path(rel))
        if isinstance(data, Problem) or not _PLUGINS_IMPORT.search(data.decode("utf-8", errors="replace")):
            continue
        module = ModuleFacts.from_bytes(rel, data, workspace.module_name(rel))
        for imported in module.imports:
            if imported.qualname == "plugins" or imported.qualname.startswith("plugins."):
                sites.append(ImportSite(rel, imported.node.lineno, imported.qualname, module.location(imported.alias)))
    return sites


def quick_plugin_exports(workspace, file_facts: FileFacts | None = None) -> tuple[tuple[str, str], ...]:
    """The index pre-pass: the plugin classes of the plugins folder's modules, from the fact
    the full analysis takes of each (``_plugin_module``: one parse per file for both)."""
    file_facts = file_facts or FileFacts()
    folder = workspace.plugins_folder
    if folder is None:
        return ()
    facts = PluginFacts(folder)
    for rel in workspace.python_files:
        if not (folder == "." or rel.startswith(folder.rstrip("/") + "/")):
            continue
        data = read_bytes(workspace.path(rel), for_facts=True)
        if isinstance(data, Problem):
            continue
        module_name = workspace.module_name(rel)
        # A failure here is reported once, by the full analysis (MIG006).
        found = contained([], rel, "plugin module", file_facts.of, "plugin_module", rel, data,
                          partial(_plugin_module, rel, module_name), (module_name,))
        facts.plugins.extend(found[0] if found else ())
    return facts.exports()


def plugins_inventory(facts: PluginFacts) -> dict:
    return {"plugins": {
        "folder": facts.folder,
        "classes": [p.to_json() for p in sorted(facts.plugins, key=lambda p: (p.path, p.line))],
        "zip_entries": len(facts.zip_entries),
    }}
