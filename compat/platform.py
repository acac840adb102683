"""MWAA platform knowledge used by rules, as typed values: what cannot run as-is, binaries the
image lacks, standard-library removals of the target's Python, metadata-database access, default
changes and plugin attributes. Rule code asks these functions instead of holding literals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from ._data import load_json
from .mwaa import MwaaVersion, get_version
from .resolver import resolve


def _overlay() -> dict:
    return load_json("overlay.json")


@dataclass(frozen=True)
class PlatformLimit:
    id: str
    names: tuple[str, ...]        # final dotted paths (as the resolver returns them)
    problem: str
    advice: str
    replacement: str | None
    source: str
    # Distributions only the limited tasks use (the Docker SDK DockerOperator drives the daemon
    # through): adding one to requirements.txt does not lift the limit.
    distributions: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def platform_limits() -> tuple[PlatformLimit, ...]:
    return tuple(PlatformLimit(row["id"], tuple(row["names"]), row["problem"], row["advice"],
                               row.get("replacement"), row["source"], frozenset(row.get("distributions", ())))
                 for row in _overlay()["platform_limits"])


@lru_cache(maxsize=4096)  # asked of each moved import's finding when root causes merge: thousands
def platform_limit_for(qualname: str, target: MwaaVersion | str | None = None) -> PlatformLimit | None:
    """The MWAA limit that applies to ``qualname`` (any spelling the resolver understands)."""
    resolution = resolve(qualname, target)
    candidates = {qualname, *resolution.hops}
    for limit in platform_limits():
        if candidates & set(limit.names):
            return limit
    return None


@dataclass(frozen=True)
class IsolatedTool:
    """A command-line tool whose Python packages cannot share Airflow's environment: the bundle
    installs them into a virtual environment of their own from startup.sh."""

    name: str
    distributions: frozenset[str]  # canonical names
    distribution_prefixes: tuple[str, ...]  # adapters and plugins (dbt-postgres, ...)
    venv: str  # folder under AIRFLOW_HOME
    executable: str
    why: str
    source: str

    def owns(self, distribution: str) -> bool:
        return distribution in self.distributions or distribution.startswith(self.distribution_prefixes)


@lru_cache(maxsize=1)
def isolated_tools() -> tuple[IsolatedTool, ...]:
    block = _overlay()["isolated_tools"]
    return tuple(IsolatedTool(row["name"], frozenset(row["distributions"]), tuple(row["distribution_prefixes"]),
                              row["venv"], row["executable"], row["why"], block["source"])
                 for row in block["tools"])


def isolated_tool_for(distribution: str) -> IsolatedTool | None:
    """The tool whose own environment ``distribution`` (a canonical name) belongs in."""
    return next((tool for tool in isolated_tools() if tool.owns(distribution)), None)


@dataclass(frozen=True)
class SupersededDistribution:
    """A distribution that cannot install on MWAA whose modules upstream now publishes under
    another one (``superseded_distributions.json``): ``odc-aws`` became ``odc-cloud`` (PyPI has
    no odc-aws), ``cx-Oracle`` became ``oracledb`` (no cx-Oracle release installs on MWAA's
    Python; the module is ``oracledb`` now)."""

    name: str  # canonical
    replacement: str
    extras: tuple[str, ...]  # of the replacement, for what the old distribution installed
    modules: tuple[str, ...]  # the old distribution's import names
    former_indexes: tuple[str, ...]  # where the old name was published; upstream points there no more
    since: str
    source: str
    # The replacement's release whose wheel was checked to ship ``modules``; None when every
    # MWAA version's constraints pin the replacement, which then decide its version.
    checked_version: str | None
    renamed: Mapping[str, str]  # old import name -> the replacement's (empty: the names stay)
    reason: str | None = None  # why the old name cannot install, when PyPI still has it
    caveat: str | None = None  # what behaves differently under the new import name

    @property
    def requirement(self) -> str:
        """The replacement pinned to the checked release, with its extras: an unpinned line would
        take whatever is newest at each install (REQ009), unless the constraints pin it."""
        extras = f"[{','.join(self.extras)}]" if self.extras else ""
        pin = f"=={self.checked_version}" if self.checked_version else ""
        return f"{self.replacement}{extras}{pin}"


@lru_cache(maxsize=1)
def _superseded() -> dict[str, SupersededDistribution]:
    rows = load_json("superseded_distributions.json")["distributions"]
    return {name: SupersededDistribution(name, row["replacement"], tuple(row["extras"]), tuple(row["modules"]),
                                         tuple(row["former_indexes"]), row["since"], row["source"],
                                         row["checked_version"], MappingProxyType(row.get("renamed", {})),
                                         row.get("reason"), row.get("caveat"))
            for name, row in rows.items()}


def superseded_distribution(name: str) -> SupersededDistribution | None:
    """What replaces ``name`` (a canonical distribution name) on PyPI, None if nothing does."""
    return _superseded().get(name)


def renamed_modules() -> dict[str, str]:
    """Every old top-level import name a superseded distribution's successor renamed -> the new one."""
    return {old: new for fact in _superseded().values() for old, new in fact.renamed.items()}


def renamed_module(module: str) -> tuple[SupersededDistribution, str, str] | None:
    """The superseded distribution whose import name ``module`` (dotted) starts with and that
    upstream renamed, the old top-level name and the new one: ``cx_Oracle.makedsn`` ->
    (cx-oracle, ``cx_Oracle``, ``oracledb``). None for any other module."""
    top = module.partition(".")[0]
    return next(((fact, top, fact.renamed[top]) for fact in _superseded().values() if top in fact.renamed), None)


@dataclass(frozen=True)
class MissingBinary:
    name: str
    provides: str
    advice: str


@lru_cache(maxsize=1)
def missing_binaries() -> tuple[MissingBinary, ...]:
    """Executables on-prem DAGs call that the MWAA image does not have."""
    return tuple(MissingBinary(row["name"], row["provides"], row["advice"])
                 for row in _overlay()["missing_binaries"]["binaries"])


def missing_binary(command: str) -> MissingBinary | None:
    """The missing binary a shell command starts with (``/usr/bin/psql -c ...`` -> psql)."""
    words = command.strip().split()
    if not words:
        return None
    if words[0] in ("sudo", "exec", "nohup", "time", "env") and len(words) > 1:
        words = words[1:]
    executable = words[0].rsplit("/", 1)[-1]
    return next((b for b in missing_binaries() if b.name == executable), None)


@dataclass(frozen=True)
class RemovedStdlib:
    name: str            # "imp", "inspect.getargspec", "unittest.TestCase.assertEquals"
    kind: str            # module | attribute | method | argument
    removed_in: str      # Python version
    replacement: str | None


@lru_cache(maxsize=8)
def removed_stdlib(python: str | MwaaVersion | None = None) -> tuple[RemovedStdlib, ...]:
    """Standard-library names gone in ``python`` (e.g. "3.12"; an MwaaVersion or Airflow
    version string means that target's Python; None the newest target's)."""
    if python is None or isinstance(python, MwaaVersion) or str(python).count(".") == 2:
        python = get_version(python).python
    limit = Version(str(python))
    return tuple(RemovedStdlib(row["name"], row["kind"], row["removed_in"], row.get("replacement"))
                 for row in _overlay()["removed_stdlib"]["entries"]
                 if Version(row["removed_in"]) <= limit)


@dataclass(frozen=True)
class MetadataDbName:
    name: str
    kind: str            # session | orm_model
    breaks_from: str
    advice: str


@lru_cache(maxsize=1)
def metadata_db_names() -> tuple[MetadataDbName, ...]:
    """Names whose use means direct metadata-database access from DAG/task code."""
    block = _overlay()["metadata_db"]
    return tuple(MetadataDbName(row["name"], row["kind"], block["breaks_from"], block["advice"])
                 for row in block["names"])


@dataclass(frozen=True)
class WorkerPaths:
    """The folders an MWAA worker has for the project: under ``airflow_home`` only the ones MWAA
    fills (``from_mwaa``: DAGs, plugins, requirements, ...), and an ephemeral ``scratch``."""

    airflow_home: str
    dags: str
    from_mwaa: tuple[str, ...]
    scratch: str
    source: str
    # Modules of operators that run their arguments' commands on another service's machines,
    # and the keys of the AWS request dicts that describe such commands (ECS overrides, EMR steps).
    remote_compute_modules: tuple[str, ...] = ()
    remote_request_keys: tuple[str, ...] = ()
    # System folders every worker has but only root can write (tasks run as the airflow user).
    root_owned: tuple[str, ...] = ()
    # Modules whose objects describe what runs inside a container or pod (kubernetes.client).
    container_spec_modules: tuple[str, ...] = ()
    # (operator class, parameter) whose documented meaning is a path on another machine (the
    # SFTP server of a transfer, HDFS): never a path on the worker.
    remote_path_parameters: frozenset[tuple[str, str]] = frozenset()
    plugins: str = ""  # where plugins.zip unpacks
    # Where Airflow's processes start (the image's WORKDIR): relative paths resolve there.
    working_directory: str = ""


@lru_cache(maxsize=1)
def worker_paths() -> WorkerPaths:
    block = _overlay()["worker_paths"]
    return WorkerPaths(block["airflow_home"], block["dags"], tuple(block["from_mwaa"]), block["scratch"],
                       block["source"], tuple(block["remote_compute_modules"]),
                       tuple(block["remote_request_keys"]), tuple(block["root_owned"]),
                       tuple(block["container_spec_modules"]),
                       frozenset((row["class"], row["parameter"]) for row in block["remote_path_parameters"]),
                       block["plugins"], block["working_directory"])


@dataclass(frozen=True)
class OtherPlatformFolder:
    """A folder another Airflow platform mounts the project at (``/home/airflow/gcs/dags`` on
    Cloud Composer), its ``role`` (DAG, plugins, data, include) and the MWAA folder holding the
    same files (None: MWAA has no such folder); ``always_shipped``: the bundle puts them there
    whatever the code does (not so for an Astro include/, carried only when imported)."""

    path: str
    platform: str
    role: str
    mwaa: str | None
    always_shipped: bool


@lru_cache(maxsize=1)
def other_platform_folders() -> tuple[OtherPlatformFolder, ...]:
    return tuple(OtherPlatformFolder(row["path"], row["platform"], row["role"], row["mwaa"], row["always_shipped"])
                 for row in _overlay()["other_platform_folders"]["folders"])


@dataclass(frozen=True)
class SplitModule:
    """A module ``parent`` moved out into ``distribution`` in release ``split_in``: from then on
    it imports only with that distribution installed (directly or as ``parent[extra]``)."""

    module: str
    parent: str
    split_in: str
    distribution: str
    extra: str
    releases: tuple[tuple[str, str], ...]  # (version, what it requires of the parent), newest first

    def requirement_for(self, parent_version: str) -> str:
        """The line that installs the newest known release of ``distribution`` beside the parent
        at ``parent_version`` (the bare name when none is known to fit)."""
        for version, requires_parent in self.releases:
            if SpecifierSet(requires_parent).contains(parent_version, prereleases=True):
                return f"{self.distribution}=={version}"
        return self.distribution


@lru_cache(maxsize=1)
def split_modules() -> tuple[SplitModule, ...]:
    return tuple(SplitModule(row["module"], row["parent"], row["split_in"], row["distribution"], row["extra"],
                             tuple((r["version"], r["requires_parent"]) for r in row.get("releases", ())))
                 for row in _overlay()["split_modules"]["modules"])


@dataclass(frozen=True)
class OperatorInitChain:
    """How BaseOperator's ``__init__`` chain treats mixins: from ``changed_in`` on, it calls the
    class after BaseOperator in an operator's MRO with no arguments, and ``logging_mixins`` (the
    names of Airflow's LoggingMixin) are no longer among BaseOperator's bases.
    ``portable_logging_mixin`` and ``portable_base_operator`` are the paths of LoggingMixin and
    BaseOperator importable on Airflow 2 and 3 alike (what a fix adds); ``base_operators`` the
    names of BaseOperator itself, after which a listed LoggingMixin comes in the MRO."""

    changed_in: str
    logging_mixins: frozenset[str]
    portable_logging_mixin: str
    portable_base_operator: str
    base_operators: frozenset[str]
    reason: str
    source: str


@lru_cache(maxsize=1)
def operator_init_chain() -> OperatorInitChain:
    block = _overlay()["operator_init_chain"]
    return OperatorInitChain(block["changed_in"], frozenset(block["logging_mixins"]),
                             block["portable_logging_mixin"], block["portable_base_operator"],
                             frozenset(block["base_operators"]), block["reason"],
                             block["source"])


@dataclass(frozen=True)
class TaskGroupIds:
    """Which TaskGroup ids the target accepts: from ``always_validated_since`` on, every
    ``group_id`` must match ``pattern`` (at most ``max_length`` characters), where Airflow 2
    checked it only with ``prefix_group_id=True``. ``task_groups`` and ``task_group_decorators``
    are the names that take a ``group_id``; ``replacement_character`` is what a fix puts in
    place of each character the pattern rejects."""

    always_validated_since: str
    pattern: str
    max_length: int
    replacement_character: str
    task_groups: frozenset[str]
    task_group_decorators: frozenset[str]
    reason: str
    source: str


@lru_cache(maxsize=1)
def task_group_ids() -> TaskGroupIds:
    block = _overlay()["task_group_ids"]
    return TaskGroupIds(block["always_validated_since"], block["pattern"], block["max_length"],
                        block["replacement_character"], frozenset(block["task_groups"]),
                        frozenset(block["task_group_decorators"]), block["reason"], block["source"])


@dataclass(frozen=True)
class DefaultChange:
    name: str
    old: str
    new: str
    changed_in: str
    advice: str
    source: str


def default_changes(target: MwaaVersion | str | None = None) -> tuple[DefaultChange, ...]:
    """Behaviour that changes without code changes (schedule and catchup defaults, ...)."""
    version = get_version(target)
    return tuple(DefaultChange(row["name"], row["old"], row["new"], row["changed_in"], row["advice"],
                               row["source"])
                 for row in _overlay()["defaults"] if version.version >= Version(row["changed_in"]))


@dataclass(frozen=True)
class PluginAttributeChange:
    attribute: str
    removed_in: str
    advice: str
    source: str


def plugin_attribute_changes(target: MwaaVersion | str | None = None) -> tuple[PluginAttributeChange, ...]:
    """AirflowPlugin attributes that no longer register anything on ``target``."""
    version = get_version(target)
    return tuple(PluginAttributeChange(row["attribute"], row["removed_in"], row["advice"], row["source"])
                 for row in _overlay()["plugins"] if version.version >= Version(row["removed_in"]))


@dataclass(frozen=True)
class CredentialFormat:
    """A credential file format of a tool that lives beside DAGs (``credential_files.json``)."""

    id: str
    what: str                      # noun phrase: "a dbt profile with credentials"
    syntax: str                    # pem | yaml | json | netrc | pgpass | shell | properties | ini
    names: tuple[str, ...]         # file names (lower case) the format applies to
    suffixes: tuple[str, ...]      # or file suffixes
    marker_key: str | None         # a top-level key the document must have ...
    marker_value: str | None       # ... with this value
    marker_child_key: str | None   # or a key every top-level value of a profile file has
    secret_keys: frozenset[str]    # keys that hold secrets besides the sensitive names
    advice: str
    source: str
    not_names: frozenset[str] = frozenset()  # files with the suffix in another format (package lock files)

    def applies_to(self, name: str) -> bool:
        """Whether a file called ``name`` may be in this format (a PEM block may be in any file)."""
        lower = name.lower()
        if self.syntax == "pem":
            return True
        return lower not in self.not_names and (lower in self.names or lower.endswith(self.suffixes))


@lru_cache(maxsize=1)
def credential_file_formats() -> tuple[CredentialFormat, ...]:
    """The formats in the order a file is tried against them (the specific before the generic)."""
    return tuple(
        CredentialFormat(row["id"], row["what"], row["syntax"], tuple(row.get("names", ())),
                         tuple(row.get("suffixes", ())), row.get("marker", {}).get("key"),
                         row.get("marker", {}).get("value"), row.get("marker", {}).get("child_key"),
                         frozenset(row.get("secret_keys", ())), row["advice"], row["source"],
                         frozenset(row.get("not_names", ())))
        for row in load_json("credential_files.json")["formats"])


@dataclass(frozen=True)
class DefaultCredentials:
    """A cloud's client libraries that fall back to the platform's default credentials, which an
    MWAA worker does not have (``cloud_default_credentials.json``)."""

    id: str
    what: str
    modules: tuple[str, ...]  # dotted prefixes of the client libraries
    class_suffixes: tuple[str, ...]  # their client classes' names end so
    functions: frozenset[str]  # functions that fetch the defaults themselves
    credential_keywords: frozenset[str]  # a call given one of these does not use the defaults
    error: str  # what the library raises when it finds none
    advice: str
    source: str

    def uses_defaults(self, qualname: str, keywords: Iterable[str | None]) -> bool:
        """Whether a call of ``qualname`` with these keyword names (None: ``**kwargs``, which may
        hold credentials) looks for the default credentials."""
        keywords = set(keywords)
        if None in keywords or keywords & self.credential_keywords:
            return False
        if qualname in self.functions:
            return True
        module, _, name = qualname.rpartition(".")
        return module.startswith(self.modules) and name.endswith(self.class_suffixes)


@lru_cache(maxsize=1)
def default_credentials() -> tuple[DefaultCredentials, ...]:
    return tuple(DefaultCredentials(row["id"], row["what"], tuple(row["modules"]), tuple(row["class_suffixes"]),
                                    frozenset(row["functions"]), frozenset(row["credential_keywords"]),
                                    row["error"], row["advice"], row["source"])
                 for row in load_json("cloud_default_credentials.json")["clouds"])


@dataclass(frozen=True)
class PayloadMerge:
    """Operators of ``distribution`` whose named arguments reach the ``payload_attribute`` dict
    only in ``execute()`` in releases after ``changed_after``: each argument stays on its own
    attribute of the same name (``operators`` maps the operator to those argument names)."""

    distribution: str
    changed_after: str
    payload_attribute: str
    operators: dict[str, frozenset[str]]
    reason: str
    source: str


def payload_merges(pins: Mapping[str, str] | None = None) -> tuple[PayloadMerge, ...]:
    """The payload merges that apply under ``pins`` (canonical name -> version: the target's
    constraints): those whose distribution is pinned to a release after the change; every
    one without ``pins``."""
    return tuple(PayloadMerge(row["distribution"], row["changed_after"], row["payload_attribute"],
                              {name: frozenset(args) for name, args in row["operators"].items()},
                              row["reason"], row["source"])
                 for row in _overlay()["payload_merged_at_execute"]
                 if pins is None or (row["distribution"] in pins
                                     and Version(pins[row["distribution"]]) > Version(row["changed_after"])))
