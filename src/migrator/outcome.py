"""Does the bundle load on MWAA? The outcome a migration is judged by.

``verify_bundle`` loads a bundle the way MWAA does: its ``dags/`` as the DAG folder, its
``plugins.zip`` unpacked as the plugins folder, only those two on ``sys.path``, and its own
``requirements.txt`` installed over Airflow of the target with the target's constraints.
``explain_failures`` names the cause of each file that does not load, in the groups a migration
engineer acts on, and the findings left on its source file that address it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name

from migrator.analysis.requirements import RequirementLine, parse_requirement
from migrator.compat.mwaa import MwaaVersion
from migrator.compat.platform import default_credentials
from migrator.config import Settings
from migrator.errors import InputError
from migrator.findings import Finding, Severity
from migrator.rules.api.removed_import import removed_without_equivalent
from migrator.rules.con._helpers import UNDEFINED_RULES, undefined_anchor
from migrator.rules.con.undefined_environment_variable import ANCHOR_SUFFIX as ENV_READ_ANCHOR
from migrator.rules.mig.dag_import_error import dropped_module_missing, installed_name_missing
from migrator.verify import DEFAULT_TIMEOUT_SECONDS, VerifyResult, verify_project

# Why a file does not load, as groups a migration engineer acts on (the JSON key -> the words).
CAUSES = {
    "airflow-api": "an Airflow name it imports moved or was removed",
    "airflow-removed": ("an Airflow name it imports is gone on the target with nothing to import in its place "
                        "(the finding says what to write instead: code the tool cannot write)"),
    "provider-missing": "a provider package it imports is not installed",
    "requirement-failed": "a requirement of the bundle did not install",
    "third-party-missing": "a third-party module it imports is not installed",
    "third-party-api": "a third-party module lacks a name at the version the constraints pin",
    "image-dropped-module": ("a package it imports needs a module the target's pinned distributions no longer "
                             "ship (pkg_resources, gone from setuptools 82 on): that package must move to a "
                             "release that does not import it"),
    "project-module": "a project module it imports is not on MWAA's path (only dags/ and plugins/ are)",
    "project-module-missing": ("a module of the project's own package that the project does not hold "
                               "(on-prem it came from elsewhere: a gitignored file, another checkout)"),
    "argument-rejected": "an argument or value the target rejects",
    "file-missing": ("it reads a file while parsed that the bundle does not hold (generated, gitignored or "
                     "outside the project where it ran before): put it under dags/ or stop reading it at parse time"),
    "duplicate-dag-id": "another file defines a DAG with the same id, and Airflow keeps only one of them",
    "timeout": "it takes longer than the parse time limit",
    "cloud-credentials": ("it builds a cloud client that looks for the platform's default credentials (GCP "
                          "Application Default Credentials), which an MWAA worker does not have"),
    "provider-api": "a provider operator works differently at the version the target's constraints pin",
    "project-code": ("an error of the project's own code, whatever the Airflow version (it fails on-prem too: "
                     "a helper returning more values than the DAG unpacks, a name it never defines): fix the code"),
    "stand-in": ("it reads a Variable, Connection or environment variable while parsed, which this check "
                 "answers with a stand-in or the code's default: on MWAA it reads the real value (create it first)"),
    "other": "another error while loading",
}

# The rules (by id prefix) whose findings can address each cause: the report lists those left
# on the files involved, and none rather than a finding about something else.
_ADDRESSED_BY = {
    "airflow-api": ("API",),
    "airflow-removed": ("API002",),
    "provider-missing": ("REQ", "API"),
    "requirement-failed": ("REQ",),
    "third-party-missing": ("REQ",),
    "third-party-api": ("REQ",),  # and MIG101 of verify, when it names what pins the version
    "image-dropped-module": ("MIG101",),
    "project-module": ("MWA014", "MWA015", "PLG"),
    "project-module-missing": ("MWA016",),
    "stand-in": ("CON", "MWA006"),  # CON001/CON002/CON011 on what it read
    "argument-rejected": ("API",),
    "provider-api": ("API",),
    "file-missing": ("MWA005", "MWA019", "MWA021"),  # MWA019: a Variable naming the path
    "duplicate-dag-id": ("MWA017", "MWA022"),  # MWA022: a DAG file importing the other
    "cloud-credentials": ("MWA018",),
}
# Causes whose finding is on a shared helper rather than on each file failing through it (the
# first importer of a module the project lacks, the helper building the cloud client), and
# whose error names that root cause exactly: a finding of their rules anywhere addresses them.
_FOUND_ANYWHERE = {"project-module-missing": "MWA016", "cloud-credentials": "MWA018"}
# Rules whose finding is on the very line that raises, and the cause an error raised there has,
# whatever its class suggests: API022's read raises a KeyError, which is no stand-in's even in a
# file that also read Variables.
_RAISED_AT_FINDING = {"API022": "provider-api"}

_NO_MODULE = re.compile(r"No module named '(?P<module>[^']+)'")
_NO_NAME = re.compile(r"cannot import name '(?P<name>[^']+)' from '(?P<module>[^']+)'")
# "... from 'azure.mgmt.x' (site-packages/azure/mgmt/x/__init__.py)": where the module was found.
_INSTALLED_FILE = re.compile(r"\((?:[^()]*/)?(?:site|dist)-packages/[^()]*\)\s*$")
# A TypeError or ValueError is an argument's only when it says so (json.loads(None) is not).
# Libraries that check a path first say it their own way (Cosmos: "Could not find dbt_project.yml at /...").
_FILE_MISSING = re.compile(r"^(FileNotFoundError|IsADirectoryError|NotADirectoryError)\b|No such file or directory"
                           r"|\bCould not find \S+ at /")
# "No such file or directory: 'dags/config.json'": the file, as the code named it; a library
# checking the path first names it its own way ("Could not find dbt_project.yml at /x/...").
_MISSING_FILE = re.compile(r"No such file or directory: '(?P<path>[^']+)'|\bCould not find \S+ at (?P<at>/\S+)")
ANCHOR_SEPARATOR = "\x1f"  # between the parts of a finding's anchor (MWA005: the path, then its line)
OTHER_PLATFORM_VARIABLE = "MWA019"  # a Variable the project defines whose value is another platform's path
LOCAL_PATH = "MWA005"  # a literal absolute path MWAA's workers do not have
_DUPLICATE_DAG_ID = re.compile(r"\bAirflowDagDuplicatedIdException\b(?:: Ignoring DAG (?P<dag_id>\S+))?")
# What the cloud libraries raise when they find no default credentials, with or without its module.
_DEFAULT_CREDENTIALS_ERRORS = tuple(name for cloud in default_credentials()
                                    for name in (cloud.error, cloud.error.rpartition(".")[2]))
# Mistakes of Python code itself; raised in the project's own code (no library below it), they
# are the project's whatever Airflow runs it, not a migration's.
_PROJECT_CODE_ERRORS = re.compile(r"^(?:ValueError: (?:too many|not enough) values to unpack\b"
                                  r"|NameError: name '|UnboundLocalError: )")
# The innermost frame of a verify traceback: project files are relative there, libraries are
# under site-packages/ or absolute (the standard library), and frozen modules are <frozen ...>.
_FRAME_PATH = re.compile(r'^[ \t]*File "(?P<path>[^"]+)", line \d+', re.MULTILINE)
_ARGUMENT_ERRORS = re.compile(
    r"^(ParamValidationError|AirflowException|DuplicateTaskIdFound|"
    r"TaskDeferralError|pydantic\S*ValidationError|airflow\S*Exception)\b|"
    r"unexpected keyword argument|Invalid arguments were passed|missing \d+ required|"
    r"multiple values for argument|^ValueError: (?:invalid|not a valid)\b|"
    r"^ValueError: .* is not a valid schedule(?:_interval)?\.|"  # DAG(schedule=False), which 1.10 took
    r"has to be made of alphanumeric characters")  # Airflow's key check of a task or group id
# Errors a warning can say for certain: a group id built at run time (API021 warns on the helper
# building it, as it cannot know the value) that Airflow's key check then refuses.
_WARNED_CAUSES = ((re.compile(r"\bhas to be made of alphanumeric characters"), "API021"),)


def verify_bundle(bundle: Path, target: MwaaVersion, *, constraints: Path | None = None,
                  cache_dir: Path | None = None, timeout: float = DEFAULT_TIMEOUT_SECONDS,
                  repair_requirements: bool = False, variables: Mapping[str, str] | None = None,
                  log: Callable[[str], None] | None = None) -> VerifyResult:
    """Load the bundle at ``bundle`` (``migrator package``'s output) in Airflow of ``target``.
    ``repair_requirements``: as for ``verify_project``. ``variables``: the Variables the project
    defines (the bundle holds none: ``migrator connections export`` puts them in Secrets Manager).

    Paths in the result are the bundle's (``dags/x.py``)."""
    bundle = Path(bundle)
    with tempfile.TemporaryDirectory(prefix="migrator-bundle-") as tmp:
        staged = Path(tmp)
        shutil.copytree(bundle / "dags", staged / "dags", symlinks=False)
        plugins = None
        if (bundle / "plugins.zip").is_file():
            unpack_plugins(bundle / "plugins.zip", staged / "plugins")
            plugins = "plugins"
        requirements = None
        if (bundle / "requirements.txt").is_file():
            requirements = staged / "requirements.txt"
            shutil.copyfile(bundle / "requirements.txt", requirements)
        settings = Settings(target=target.airflow, dags=("dags",), plugins=plugins)
        # MWAA runs Airflow in AIRFLOW_HOME, which holds dags/ and plugins/ as ``staged`` does
        # (the image's WORKDIR): a DAG reading "dags/config.json" finds it there.
        return verify_project(staged, settings, target, constraints=constraints, cache_dir=cache_dir,
                              requirements=requirements, timeout=timeout,
                              repair_requirements=repair_requirements, working_dir=staged,
                              variables=variables or {}, log=log)


def unpack_plugins(archive_path: Path, dest: Path) -> None:
    """Write plugins.zip's files under ``dest`` as MWAA unpacks it; a member that would land
    outside ``dest`` (absolute, ``..``, a symlink) is an input error, never written."""
    dest.mkdir(parents=True)
    try:
        with zipfile.ZipFile(archive_path) as archive:
            for member in archive.infolist():
                parts = PurePosixPath(member.filename).parts
                is_link = (member.external_attr >> 16) & 0o170000 == 0o120000
                if member.filename.startswith("/") or ".." in parts or "\\" in member.filename or is_link:
                    raise InputError(f"{archive_path}: member {member.filename!r} would land outside "
                                     "the plugins folder")
                if member.is_dir():
                    continue
                target = dest.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{archive_path}: cannot read plugins.zip: {exc}") from None


@dataclass(frozen=True)
class Failure:
    """A file of the bundle that does not load, why, and what in the report addresses it."""

    bundle_path: str  # dags/x.py
    source_path: str | None  # the project file it was made from
    status: str  # import_error | timeout
    error: str
    raised_in: str | None  # bundle path:line of another file the error came from (a helper, a plugin)
    cause: str  # a key of CAUSES
    findings: tuple[str, ...]  # rule ids of the error findings on the files involved that can address the cause

    def to_json(self) -> dict:
        return {"bundle_path": self.bundle_path, "source_path": self.source_path, "status": self.status,
                "error": self.error, "raised_in": self.raised_in, "cause": self.cause,
                "cause_text": CAUSES[self.cause], "findings": list(self.findings)}


def classify(status: str, error: str | None, *, project_modules: frozenset[str] = frozenset(),
             failed_requirements: frozenset[str] = frozenset(),
             missing_modules: frozenset[str] = frozenset(), traceback: str | None = None) -> str:
    """The CAUSES key of one failed file's error (``ModuleNotFoundError: No module ...``).

    ``project_modules``: top-level names of the project's own modules and packages.
    ``failed_requirements``: canonical names of the bundle's requirements that did not install.
    ``missing_modules``: modules of the project's packages that the project does not hold
    (``igf_airflow.utils``: MWA016).
    ``traceback``: verify's, whose innermost frame says whether the project's own code raised.
    """
    if status == "timeout":
        return "timeout"
    error = error or ""
    if match := _NO_MODULE.search(error):
        module = match.group("module")
        parts = module.split(".")
        if parts[0] == "airflow":
            provider = parts[1:2] == ["providers"] and _is_provider_root(parts)
            return "provider-missing" if provider else "airflow-api"
        if canonicalize_name(parts[0]) in failed_requirements:
            return "requirement-failed"
        # Python names the first module it cannot find, so a missing module of the project's
        # own package is named as it is, or with more of its path under it.
        if any(module == m or module.startswith(m + ".") for m in missing_modules):
            return "project-module-missing"
        return "project-module" if parts[0] in project_modules else "third-party-missing"
    if match := _NO_NAME.search(error):
        top = match.group("module").split(".")[0]
        if top == "airflow":
            return "airflow-api"
        if _INSTALLED_FILE.search(error):
            return "third-party-api"  # the module was found, installed: not the project's
        return "project-module" if top in project_modules else "third-party-api"
    if error.startswith(_DEFAULT_CREDENTIALS_ERRORS):
        return "cloud-credentials"
    if _DUPLICATE_DAG_ID.search(error):
        return "duplicate-dag-id"
    if _FILE_MISSING.search(error):
        return "file-missing"
    if _ARGUMENT_ERRORS.search(error):
        return "argument-rejected"
    if _PROJECT_CODE_ERRORS.search(error) and _raised_by_project(traceback):
        return "project-code"
    return "other"


def _raised_by_project(traceback: str | None) -> bool:
    frames = _FRAME_PATH.findall(traceback or "")
    return bool(frames) and not frames[-1].startswith(("site-packages/", "/", "<"))


def _missing_airflow_name(error: str) -> str | None:
    """The Airflow module or name an import error says is missing (``airflow.contrib``,
    ``airflow.utils.dates.days_ago``), else None."""
    if match := _NO_MODULE.search(error):
        return match["module"] if match["module"].startswith("airflow.") else None
    if match := _NO_NAME.search(error):
        return f"{match['module']}.{match['name']}" if match["module"].startswith("airflow") else None
    return None


def _is_provider_root(parts: list[str]) -> bool:
    """``airflow.providers.docker`` or ``airflow.providers.cncf.kubernetes``: Python names the
    first package it cannot find, so a missing provider shows as its root package (one level,
    or two under the namespace packages providers share)."""
    return len(parts) == 3 or (len(parts) == 4 and parts[2] in PROVIDER_NAMESPACES)


# Namespace packages under airflow.providers that hold several providers (cncf.kubernetes,
# common.sql, microsoft.azure, apache.spark, ...): their provider roots are one level deeper.
PROVIDER_NAMESPACES = frozenset({"alibaba", "apache", "atlassian", "cncf", "common", "dbt",
                                 "microsoft", "opsgenie", "standard"})


def project_module_names(files: Iterable[str]) -> frozenset[str]:
    """Top-level names the project's own code can be imported as, from any folder of it."""
    names: set[str] = set()
    for rel in files:
        parts = PurePosixPath(rel).parts
        names.update(parts[:-1])
        names.add(PurePosixPath(parts[-1]).stem)
    names.discard("__init__")
    return frozenset(names)


def explain_failures(result: VerifyResult, *, source_of: Callable[[str], str | None],
                     findings: Sequence[Finding], project_modules: frozenset[str],
                     missing_modules: frozenset[str] = frozenset()) -> list[Failure]:
    """Each file of ``result`` that did not load, with its cause and what in the report says
    why: the error findings left on its source file and on the project files the error was raised
    in or passed through (``source_of`` maps a bundle path to the project file it came from), the findings on the
    Variables and Connections it read while parsed, and the bundle's checks on requirements
    that did not install. A module missing from the project is reported once, on its first
    importer (MWA016): every file failing on it points at that finding."""
    requirements = result.requirements
    removed = [r.requirement for r in requirements.repairs if r.replacement is None] if requirements else []
    not_installed = [f.requirement for f in requirements.failures] if requirements else []
    failed = frozenset(name for line in (*removed, *not_installed) for name in import_names(line))
    errors_by_path: dict[str, list[str]] = {}
    removed_by_path: dict[str, list[str]] = {}  # the names API002 says are gone for good
    for finding in findings:
        if name := removed_without_equivalent(finding):
            removed_by_path.setdefault(finding.path, []).append(name)
        if finding.severity == Severity.ERROR:
            # A related location is a place of the same root cause (the mixin of an operator
            # whose __init__ fails, another use of a removed name): an error raised there is it.
            for path in dict.fromkeys([finding.path, *(r.path for r in getattr(finding, "related", ()))]):
                errors_by_path.setdefault(path, []).append(finding.rule)
    failures = []
    for file in sorted(result.files, key=lambda f: f.path):
        if file.status == "loaded":
            continue
        source = source_of(file.path)
        # The file, where the error rose, and the project code it passed through on the way (the
        # helper whose dict gave a project operator the argument Airflow rejects).
        frames = [*getattr(file, "project_frames", ()), *([file.raised_in] if file.raised_in else [])]
        involved = list(dict.fromkeys([source, *(source_of(frame.rpartition(":")[0]) for frame in frames)]))
        cause = classify(file.status, file.error, project_modules=project_modules, failed_requirements=failed,
                         missing_modules=missing_modules, traceback=getattr(file, "traceback", None))
        # The project's own Variables are read as they are: only stand-ins and defaults can mislead.
        lookups = [lookup for lookup in getattr(file, "lookups", ()) if lookup.answer != "project"]
        missing = _MISSING_FILE.search(file.error or "") if cause == "file-missing" else None
        # A finding naming the missing file says the code's own path is wrong, whatever it also read.
        missing_file_rules = _missing_file_findings(missing["path"] or missing["at"], findings) if missing else []
        if raised_here := _findings_at(_raised_at(file, source, source_of), findings):
            cause = _RAISED_AT_FINDING[raised_here[0]]
        elif cause in ("other", "file-missing") and lookups and not missing_file_rules:
            cause = "stand-in"  # the error may be the stand-in's (a DSN, a JSON document, a URL, a path)
        if cause == "airflow-api" and (missing := _missing_airflow_name(file.error or "")) and any(
                name == missing or name.startswith(missing + ".")
                for path in involved if path for name in removed_by_path.get(path, ())):
            cause = "airflow-removed"
        if cause == "third-party-missing" and dropped_module_missing(file.error, result.target):
            cause = "image-dropped-module"
        relevant = _ADDRESSED_BY.get(cause, ("",))
        rules = [rule for path in involved if path for rule in errors_by_path.get(path, ())
                 if rule.startswith(relevant)]
        rules += [f.rule for pattern, rule in _WARNED_CAUSES if pattern.search(file.error or "")
                  for f in findings if f.rule == rule and f.path in involved]
        if cause in _FOUND_ANYWHERE and any(f.rule == _FOUND_ANYWHERE[cause] for f in findings):
            rules.append(_FOUND_ANYWHERE[cause])
        if cause == "stand-in":
            rules += _lookup_findings(lookups, findings)
        if cause == "duplicate-dag-id" and (match := _DUPLICATE_DAG_ID.search(file.error or "")):
            # Reported on one of the clashing files, which need not be the one Airflow refused.
            rules += [f.rule for f in findings if f.rule == "MWA017" and getattr(f, "anchor", "") == match["dag_id"]]
            # The import that registers the DAG again, on the importer with the imported file related.
            rules += [f.rule for f in findings if f.rule == "MWA022"
                      and {f.path, *(r.path for r in getattr(f, "related", ()))} & set(involved)]
        if cause == "file-missing":
            rules += missing_file_rules
            # The project's own Variable read while parsed named the path (MWA019 on its value).
            read = {lookup.key for lookup in getattr(file, "lookups", ()) if lookup.kind == "variable"}
            rules += [f.rule for f in findings if f.rule == OTHER_PLATFORM_VARIABLE
                      and getattr(f, "anchor", "").partition(ANCHOR_SEPARATOR)[0] in read]
        if (cause == "third-party-api" and installed_name_missing(file.error, result.target)
                or cause == "image-dropped-module"):
            # verify's own finding on the file says which pin decides the version (or dropped the
            # module), and whether requirements.txt can change it (MWAA applies the constraints).
            rules.append(DAG_IMPORT_ERROR)
        if cause == "requirement-failed" or (cause == "third-party-missing" and (removed or not_installed)):
            # A module no installed requirement provides, while some did not install: those are
            # the likely providers (a dependency of a removed package, a namespace package).
            rules += [REQUIREMENT_REMOVED] * bool(removed) + [REQUIREMENT_NOT_INSTALLED] * bool(not_installed)
        failures.append(Failure(file.path, source, file.status, file.error or "", file.raised_in, cause,
                                tuple(dict.fromkeys(rules))))
    return failures


# What the report calls a requirement migrate removed (a bundle check) and one that did not
# install as written (MIG103 of verify).
REQUIREMENT_REMOVED = "requirement-removed"
REQUIREMENT_NOT_INSTALLED = "MIG103"
DAG_IMPORT_ERROR = "MIG101"  # verify's finding on a file that does not load


def _raised_at(file, source: str | None, source_of: Callable[[str], str | None]) -> tuple[str | None, int | None]:
    """The project file and line the error was raised at: the helper it came from, else the file."""
    if file.raised_in:
        path, _, line = file.raised_in.rpartition(":")
        return source_of(path), int(line) if line.isdigit() else None
    return source, getattr(file, "line", None)


def _findings_at(place: tuple[str | None, int | None], findings: Sequence[Finding]) -> list[str]:
    """The rules of ``_RAISED_AT_FINDING`` with an error finding whose lines hold that line."""
    path, line = place
    if path is None or line is None:
        return []
    return [f.rule for f in findings if f.rule in _RAISED_AT_FINDING and f.severity == Severity.ERROR
            and f.path == path and f.location.line <= line <= f.location.end_line]


def _missing_file_findings(missing: str, findings: Sequence[Finding]) -> list[str]:
    """The findings (anywhere in the project: a helper or a config module holds the path) on
    the file an error says is missing. MWA021 names it from the project's root, the error from
    MWAA's AIRFLOW_HOME or absolutely, whose DAG folder may be named otherwise: the file's name is
    what they share. MWA005 is on the file's path or a folder's holding it (two levels deep at
    least: "/usr" is no evidence)."""
    name = PurePosixPath(missing).name
    return [f.rule for f in findings
            if (f.rule == "MWA021" and PurePosixPath(getattr(f, "anchor", "")).name == name)
            or (f.rule == LOCAL_PATH and _names_folder_of(getattr(f, "anchor", ""), missing))]


def _names_folder_of(anchor: str, missing: str) -> bool:
    """Whether an MWA005 anchor (the path, then its line) names ``missing`` or a folder of it."""
    folder = anchor.partition(ANCHOR_SEPARATOR)[0].rstrip("/")
    return folder.count("/") >= 2 and (missing == folder or missing.startswith(folder + "/"))


def _lookup_findings(lookups: Iterable, findings: Sequence[Finding]) -> list[str]:
    """The CON001/CON002/CON011 findings (anywhere in the project: a shared helper reads them) on
    the Variables, Connections and environment variables a file read while parsed."""
    wanted = set()
    for lookup in lookups:
        if lookup.kind in UNDEFINED_RULES:
            wanted.add((UNDEFINED_RULES[lookup.kind], undefined_anchor(lookup.kind, lookup.key)))
        elif lookup.kind == "env":
            wanted.add(("CON011", f"{lookup.key}\x1f{ENV_READ_ANCHOR}"))
    return [finding.rule for finding in findings if (finding.rule, getattr(finding, "anchor", "")) in wanted]


def import_names(requirement: str) -> tuple[str, ...]:
    """Canonical names a requirement line's package is likely imported as, without installing
    it: its own name (``cx-Oracle`` → ``cx_Oracle``), without a ``python-`` or ``py-`` prefix
    (``python-opsapi`` → ``opsapi``), and the first part of a dashed name, which namespace
    packages use (``odc-aws`` → ``odc``). Names from VCS and URL lines come from ``#egg=``."""
    parsed = parse_requirement(requirement, "requirements.txt", 0)
    name = parsed.name if isinstance(parsed, RequirementLine) else None
    if not name:
        return ()
    names = [name, name.removeprefix("python-").removeprefix("py-"), name.split("-")[0]]
    return tuple(dict.fromkeys(canonicalize_name(n) for n in names if n))


def headline(result: VerifyResult) -> str:
    """The one line a user cares about."""
    loaded = sum(1 for f in result.files if f.status == "loaded")
    requirements = ("with this bundle's requirements" if result.requirements and result.requirements.installed
                    else "with this bundle's requirements (some did not install)" if result.requirements
                    else "(the bundle has no requirements)")
    return (f"{loaded} of {len(result.files)} DAG files load in Airflow {result.target.airflow} "
            f"{requirements}")
