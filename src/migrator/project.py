"""Project-wide facts: what project rules read, and the small index Python rules get.

``ModuleSummary`` is what a worker process sends back for each Python file (small and
picklable); ``ProjectIndex`` is what every worker receives; ``ProjectFacts`` is what project rules
read. Facts from other sources (requirements, config, env, connections, plugins) are computed
lazily from the workspace by the analysis modules, once per run.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from migrator.analysis.classes import ClassFacts, module_classes
from migrator.analysis.commands import command_programs
from migrator.analysis.connections import (
    SECRET_NAME,
    VARIABLE_READ_WITH_DEFAULT,
    jinja_references,
    secret_name_variables,
)
from migrator.analysis.crashes import AnalysisCrash
from migrator.analysis.dags import ImportedDags, const_str, imported_dags
from migrator.analysis.environment_reads import parse_time_env_reads
from migrator.analysis.python import ModuleFacts
from migrator.analysis.source import Problem
from migrator.analysis.templates import SCRIPT_NAME, template_files
from migrator.cache import FileFacts, content_digest
from migrator.compat import image_packages, os_library_modules
from migrator.dag_count import ModuleDags, module_dags, parsed_dag_files
from migrator.workspace import Workspace

if TYPE_CHECKING:
    from migrator.analysis.config import ConfigFacts
    from migrator.analysis.connections import ConnectionFacts, PoolDef
    from migrator.analysis.credential_files import CredentialFile
    from migrator.analysis.envsources import EnvFacts
    from migrator.analysis.layout import MissingModule, OutsidePackage, PrefixImport
    from migrator.analysis.plugins import PluginFacts
    from migrator.analysis.requirements import ConstraintsChoice, ListedElsewhere, RequirementsFacts
    from migrator.analysis.templates import TemplateFile
    from migrator.compat.mwaa import MwaaVersion
    from migrator.findings import SharedValues


# The analyses of non-Python sources, each a cached property of ProjectFacts.
ANALYSES = ("env", "requirements", "config", "connections", "plugins")


@dataclass(frozen=True)
class ProjectIndex:
    """Project knowledge a per-module rule may need (kept small: it is sent to every worker)."""

    dag_folders: tuple[str, ...] = ()
    local_modules: frozenset[str] = frozenset()  # dotted names importable from DAG/plugin folders
    # 1.10 plugin-manager names ("airflow.operators.<plugin>.<Name>") -> the real dotted path
    plugin_exports: tuple[tuple[str, str], ...] = ()
    # The pools the project defines, the first definition of each name, sorted by name
    pools_defined: tuple[PoolDef, ...] = ()
    # SubDAG factories other modules' SubDagOperators import: (qualname, group_id, variable,
    # why not rewritable or ""), from migrator.analysis.subdags.quick_subdag_factories
    subdag_factories: tuple[tuple[str, str, str, str], ...] = ()
    # Executables of tools the bundle installs into a venv of their own (dbt), because the
    # project's requirements list them: on MWAA they are on PATH.
    bundled_executables: frozenset[str] = frozenset()
    # The project's classes and functions that hand their work to ECS, EMR, Batch, ... (dotted
    # names), from migrator.analysis.platform.quick_remote_compute_wrappers
    remote_compute_wrappers: frozenset[str] = frozenset()
    # The project's path constants only containers or pods use (dotted names), from
    # migrator.analysis.platform.quick_container_only_constants
    container_only_constants: frozenset[str] = frozenset()
    # Module-level functions nothing in the project mentions (dotted names), from
    # migrator.analysis.reachability.quick_unreferenced_functions
    unreferenced_functions: frozenset[str] = frozenset()
    # DAG-folder modules no other project file names (dotted names), from
    # migrator.analysis.reachability.quick_unimported_modules
    unimported_modules: frozenset[str] = frozenset()
    # Every file of the DAG and plugins folders (code and data): what the bundle carries.
    folder_files: frozenset[str] = frozenset()
    # Project files a string literal of the code names relative to the project's root (shipped
    # or not), from migrator.analysis.read_paths.quick_root_named_files
    root_named_files: frozenset[str] = frozenset()
    # Files under the folders of the project's Python files outside the DAG and plugins folders:
    # what the bundle carries with a helper package, from migrator.analysis.read_paths.quick_helper_files
    helper_files: frozenset[str] = frozenset()
    # (project class, provider operator it derives from) for the operators whose payload dict
    # changed, from migrator.analysis.payloads.quick_payload_operators
    payload_operators: tuple[tuple[str, str], ...] = ()
    # (project class, Airflow class with an MWAA platform limit it derives from), from
    # migrator.analysis.platform.quick_platform_subclasses
    platform_subclasses: tuple[tuple[str, str], ...] = ()

    @cached_property
    def fingerprint(self) -> str:
        """A digest of the index's stable text (frozenset order varies between processes); kept
        with the index (a run that keeps the project stage unpickles it with the index)."""
        text = json.dumps([self.dag_folders, sorted(self.local_modules), self.plugin_exports,
                           [(p.name, p.path, p.line, p.slots) for p in self.pools_defined],
                           self.subdag_factories, sorted(self.bundled_executables),
                           sorted(self.remote_compute_wrappers), sorted(self.container_only_constants),
                           sorted(self.unreferenced_functions), sorted(self.folder_files),
                           self.payload_operators, sorted(self.unimported_modules), self.platform_subclasses,
                           sorted(self.root_named_files), sorted(self.helper_files)])
        return content_digest(text.encode())

    def pool_definition(self, name: str) -> PoolDef | None:
        return next((pool for pool in self.pools_defined if pool.name == name), None)


@dataclass(frozen=True)
class RuleCrash:
    rule: str
    path: str
    error: str


@dataclass
class ModuleSummary:
    path: str
    problem: Problem | None = None
    imports: tuple[str, ...] = ()  # qualified names imported or used through an import (sorted, unique)
    optional_imports: tuple[str, ...] = ()  # those imported only inside try/except ImportError
    imports_airflow: bool = False
    dag_ids: tuple[str, ...] = ()
    # (id, line) of the DAGs built once, at module level, with an id known without running
    # the code: what two files can clash on.
    single_dag_ids: tuple[tuple[str, int], ...] = ()
    dag_count: int = 0  # construction sites
    # What migrator.dag_count counts: the DAGs built when imported, the DAG factories defined,
    # the imported functions called.
    dags_built: ModuleDags = field(default_factory=ModuleDags)
    imported_dags: ImportedDags = field(default_factory=ImportedDags)  # what an importer registers again
    task_count: int = 0
    operators: dict[str, int] = field(default_factory=dict)  # class qualname -> constructions
    conn_ids: tuple[str, ...] = ()  # literal connection ids referenced
    variables: tuple[str, ...] = ()  # literal Variable keys read
    pools: tuple[str, ...] = ()  # literal pool names used by tasks
    # (kind "connection"|"variable"|SECRET_NAME, key, line,
    #  via "argument"|"get_connection"|"Variable.get"|VARIABLE_READ_WITH_DEFAULT|"jinja")
    references: tuple[tuple[str, str, int, str], ...] = ()
    # (name, line, raises) of environment variables read while parsed, without a fallback
    env_reads: tuple[tuple[str, int, bool], ...] = ()
    suppressed: int = 0  # findings silenced by inline comments
    classes: tuple[ClassFacts, ...] = ()  # module-level classes (a hierarchy across files)
    former_ids: frozenset[str] = frozenset()  # old rule ids those comments name (migrator.rule_ids)
    script_names: tuple[str, ...] = ()  # file names of shell scripts the module's strings name
    programs: tuple[str, ...] = ()  # programs its tasks' commands and subprocess calls run (REQ017)
    # (qualname, line) of the first absolute import of each name: where findings about an
    # imported module point, without parsing the file again.
    import_lines: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, module: ModuleFacts, suppressed: int = 0, former_ids: frozenset[str] = frozenset()) -> ModuleSummary:
        if module.tree is None:
            return cls(module.path, module.problem)
        dags = module.dags
        tasks = module.tasks
        references: set[tuple[str, str, int, str]] = set()
        variable_reads: dict[int, str] = {}  # id of a Variable.get call -> its key
        for call, qualname in module.calls:
            for keyword in call.keywords:
                if keyword.arg and keyword.arg.endswith("conn_id") and const_str(keyword.value):
                    references.add(("connection", keyword.value.value, keyword.value.lineno, "argument"))
            if (qualname and qualname.endswith(("Variable.get", "Variable.get_variable_from_secrets"))
                    and call.args and const_str(call.args[0])):
                variable_reads[id(call)] = call.args[0].value
                with_default = len(call.args) > 1 or any(k.arg == "default_var" for k in call.keywords)
                references.add(("variable", call.args[0].value, call.lineno,
                                VARIABLE_READ_WITH_DEFAULT if with_default else "Variable.get"))
            if qualname and qualname.endswith("get_connection") and call.args and const_str(call.args[0]):
                references.add(("connection", call.args[0].value, call.lineno, "get_connection"))
        references.update(jinja_references(module))
        references.update((SECRET_NAME, key, line, "Variable.get")
                          for key, line in secret_name_variables(module, variable_reads))
        conn_ids = {key for kind, key, _, via in references if kind == "connection" and via != "jinja"}
        variables = {key for kind, key, _, via in references if kind == "variable" and via != "jinja"}
        pools = {const_str(t.kwargs.get("pool")) for t in tasks} - {None}
        return cls(
            path=module.path,
            # ``import airflow`` then ``airflow.contrib.x.Op``: the dotted use names what is needed
            # (also of a package whose OS library only some of its names load: cx_Oracle.connect).
            imports=tuple(sorted({i.qualname for i in module.imports}
                                 | {q for _, q in module.name_uses
                                    if q.startswith("airflow.") or q.partition(".")[0] in os_library_modules()})),
            optional_imports=tuple(sorted({i.qualname for i in module.imports if i.guarded}
                                          - {i.qualname for i in module.imports if not i.guarded})),
            imports_airflow=module.imports_airflow,
            dag_ids=tuple(sorted({d.dag_id for d in dags if d.dag_id})),
            single_dag_ids=tuple(sorted({(d.dag_id, (d.kwargs.get("dag_id") or d.node).lineno)
                                         for d in dags if d.dag_id and not d.in_loop})),
            dag_count=len(dags),
            dags_built=module_dags(module),
            imported_dags=imported_dags(module),
            task_count=len(tasks),
            operators=dict(Counter(t.operator for t in tasks)),
            conn_ids=tuple(sorted(conn_ids)),
            variables=tuple(sorted(variables)),
            pools=tuple(sorted(pools)),
            references=tuple(sorted(references)),
            env_reads=tuple(sorted(set(parse_time_env_reads(module)))),
            suppressed=suppressed,
            classes=module_classes(module),
            former_ids=former_ids,
            script_names=tuple(sorted({name for _, text in module.string_literals
                                       for name in SCRIPT_NAME.findall(text)})),
            programs=command_programs(module),
            import_lines=_first_import_lines(module),
        )

    def share_values(self, shared: SharedValues) -> None:
        """Hold once what many modules' summaries repeat (the names they import and where,
        what they reference): each arrives from its worker as objects of its own."""
        for name in _REPEATED_FIELDS:
            setattr(self, name, shared.share(tuple(map(shared.share, getattr(self, name)))))
        self.former_ids = shared.share(self.former_ids)


_REPEATED_FIELDS = ("imports", "optional_imports", "import_lines", "references", "conn_ids", "variables", "pools",
                    "env_reads")


def _first_import_lines(module: ModuleFacts) -> tuple[tuple[str, int], ...]:
    first: dict[str, int] = {}
    for imported in module.imports:
        if not getattr(imported.node, "level", 0):
            line = imported.node.lineno
            first[imported.qualname] = min(line, first.get(imported.qualname, line))
    return tuple(sorted(first.items()))


@dataclass
class ProjectFacts:
    workspace: Workspace
    modules: list[ModuleSummary]
    rule_crashes: list[RuleCrash] = field(default_factory=list)
    # Per-file results of the analyses below from earlier runs, by content (kept beside the scan cache).
    file_facts: FileFacts = field(default_factory=FileFacts)

    @cached_property
    def file_problems(self) -> list[tuple[str, Problem]]:
        return sorted(((m.path, m.problem) for m in self.modules if m.problem), key=lambda p: p[0])

    @cached_property
    def dag_files(self) -> list[ModuleSummary]:
        return [m for m in self.modules if m.dag_count]

    @cached_property
    def parsed_dag_files(self) -> frozenset[str]:
        """The DAG-folder files the DAG processor parses (``.airflowignore`` read)."""
        return frozenset(parsed_dag_files(self))

    # -- analyses of the other sources (computed on first use, once per run) ----------------------
    # Each analysis is imported when its facts are first asked for: a scan whose project stage
    # is kept (migrator.project_memo) asks for none, and imports none of them.

    @cached_property
    def env(self) -> EnvFacts:
        from migrator.analysis.envsources import analyse_env

        return analyse_env(self.workspace)

    @cached_property
    def requirements(self) -> RequirementsFacts:
        from migrator.analysis.requirements import analyse_requirements

        return analyse_requirements(self.workspace, self.env)

    @cached_property
    def config(self) -> ConfigFacts:
        from migrator.analysis.config import analyse_config

        return analyse_config(self.workspace, self.env)

    @cached_property
    def connections(self) -> ConnectionFacts:
        from migrator.analysis.connections.project import analyse_connections

        return analyse_connections(self.workspace, self.env, self.modules)

    @cached_property
    def templates(self) -> list[TemplateFile]:
        """The template and script files of the DAG folders (several rules and analyses read them)."""
        return template_files(self.workspace.root, self.workspace.dag_folders)

    @cached_property
    def credential_files(self) -> list[CredentialFile]:
        from migrator.analysis.credential_files import find_credential_files

        return find_credential_files(self.workspace, self.file_facts)

    @cached_property
    def plugins(self) -> PluginFacts:
        from migrator.analysis.plugins import analyse_plugins

        return analyse_plugins(self.workspace, self.modules, self.file_facts)

    def run_all_analyses(self) -> None:
        for name in ANALYSES:
            getattr(self, name)

    @property
    def analysis_crashes(self) -> list[AnalysisCrash]:
        """Files the analyses computed so far failed on (MIG006 runs them all first)."""
        return [crash for name in ANALYSES if name in self.__dict__  # computed (cached_property)
                for crash in self.__dict__[name].crashes]

    @cached_property
    def dag_folder_package_imports(self) -> list[PrefixImport]:
        from migrator.analysis.layout import dag_folder_package_imports

        ws = self.workspace
        return dag_folder_package_imports(ws.root, ws.dag_folders, ws.plugins_folder, self.modules)

    def carried_packages(self, target: MwaaVersion) -> list[OutsidePackage]:
        """Code outside the DAG and plugins folders the project's code imports, which MWAA's
        sys.path does not hold (``migrator package`` carries it into plugins.zip)."""
        if target.airflow not in self._carried:
            from migrator.analysis.layout import carried_packages, python_files_of

            ws = self.workspace
            installed = frozenset(image_packages(target)) | {canonicalize_name(n) for n in self.requirements.names()}
            mwaa_names = {ws.module_name(rel).split(".", 1)[0] for rel in ws.python_files
                          if _in_any(rel, [*ws.dag_folders, *([ws.plugins_folder] if ws.plugins_folder else [])])}
            self._carried[target.airflow] = carried_packages(
                ws.root, ws.dag_folders, ws.plugins_folder, {m.path: m.imports for m in self.modules},
                mwaa_names, installed, lambda package: python_files_of(ws.root, package))[0]
        return self._carried[target.airflow]

    def missing_modules(self, target: MwaaVersion) -> list[MissingModule]:
        """Modules the code imports from the project's own packages (as MWAA's sys.path holds
        them) that the project does not have."""
        if target.airflow not in self._missing:
            from migrator.analysis.layout import missing_modules, project_packages

            ws = self.workspace
            # An installed package of the same name comes first on MWAA's sys.path (Airflow
            # appends the DAG folder): imports under that name are not the project's.
            installed = frozenset(image_packages(target)) | {canonicalize_name(n) for n in self.requirements.names()}
            packages = project_packages(ws.root, [*ws.dag_folders, *([ws.plugins_folder] if ws.plugins_folder else [])],
                                        installed)
            for package in self.carried_packages(target):
                if package.is_package:
                    packages.setdefault(package.name, []).append(package.source)
            self._missing[target.airflow] = missing_modules(
                ws.root, packages, {m.path: m.imports for m in self.modules},
                {m.path: m.optional_imports for m in self.modules})
        return self._missing[target.airflow]

    @cached_property
    def _missing(self) -> dict[str, list[MissingModule]]:
        return {}

    def listed_elsewhere(self, target: MwaaVersion, kinds: tuple[str, ...] = ("pypi",)) -> list[ListedElsewhere]:
        """Modules the code imports that only a requirements file MWAA does not get lists
        (``kinds``: as for ``analysis.requirements.listed_elsewhere``)."""
        from migrator.analysis.requirements import listed_elsewhere

        ws = self.workspace
        local = ({ws.module_name(rel).split(".", 1)[0] for rel in ws.python_files}
                 | {package.name.split(".", 1)[0] for package in self.carried_packages(target)})
        return listed_elsewhere(self.requirements, self.modules, image_packages(target), local, kinds)

    def import_line(self, path: str, top: str) -> int:
        """The line of ``path``'s first absolute import of the module ``top`` (a top-level name or
        a dotted one: ``igf_airflow.utils``) or of anything under it (1 when none)."""
        summary = self._summaries.get(path)
        lines = [line for name, line in summary.import_lines if name == top or name.startswith(top + ".")] \
            if summary else []
        return min(lines, default=1)

    @cached_property
    def _summaries(self) -> dict[str, ModuleSummary]:
        return {m.path: m for m in self.modules}

    @cached_property
    def _carried(self) -> dict[str, list[OutsidePackage]]:
        return {}

    @cached_property
    def _constraints(self) -> dict[tuple[str, str], ConstraintsChoice]:
        return {}

    def constraints_for(self, entry: str, target: MwaaVersion) -> ConstraintsChoice:
        """The constraints ``entry`` (a requirements file) is checked against for ``target``;
        fetched at most once per run (and cached on disk when it is a URL)."""
        from migrator.analysis.requirements import choose_constraints

        key = (entry, target.airflow)
        if key not in self._constraints:
            self._constraints[key] = choose_constraints(self.requirements, entry, self.workspace, target,
                                                        self.workspace.settings.constraints)
        return self._constraints[key]

    def inventory_sections(self, target: MwaaVersion) -> list[dict]:
        """Inventory contributions of the analyses of non-Python sources, merged by key."""
        from migrator.analysis.config import config_inventory
        from migrator.analysis.connections.project import connections_inventory
        from migrator.analysis.plugins import plugins_inventory
        from migrator.analysis.requirements import requirements_inventory

        return [
            requirements_inventory(self, target),
            config_inventory(self.config, target),
            connections_inventory(self.connections),
            plugins_inventory(self.plugins),
        ]


def _in_any(rel: str, folders: list[str]) -> bool:
    return any(f == "." or rel.startswith(f.rstrip("/") + "/") for f in folders)
