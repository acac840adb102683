"""What the project's code needs installed beyond its requirement lines: the providers its
imports resolve into on the target, packages listed only in files the bundle does not ship,
modules split into their own distribution, and the tools installed into a venv of their own."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from packaging.utils import canonicalize_name
from packaging.version import Version

from migrator import compat
from migrator.analysis.crashes import AnalysisCrash, contained
from migrator.analysis.requirements.constraints import Constraints
from migrator.analysis.requirements.files import RequirementLine, parse_requirements_text
from migrator.analysis.requirements.project_set import RequirementsFacts
from migrator.analysis.source import Problem, decode_text, read_bytes
from migrator.cache import FileFacts
from migrator.secrets import mask_uri

# -- providers the code needs ------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderNeed:
    """A provider distribution the project's code imports from, or that a provider module it
    imports loads (``indirect``)."""

    distribution: str  # canonical name
    min_version: str | None
    preinstalled: str | None  # the version in the MWAA image, when it has one
    used_by: tuple[tuple[str, str], ...]  # (module path, imported qualname), first few
    indirect: bool = False  # only another provider's modules import it


def needed_providers(modules: Iterable, target) -> dict[str, ProviderNeed]:
    """Providers named by the resolved imports of the module summaries, for ``target``.

    Resolution goes through the knowledge base (``compat.resolve``), so an import that moved
    into a provider between the project's Airflow and the target counts for that provider.
    """
    users: dict[str, list[str]] = {}  # imported name -> modules importing it (resolved once each)
    for module in modules:
        for qualname in module.imports:
            if qualname.startswith("airflow"):
                users.setdefault(qualname, []).append(module.path)
    preinstalled = compat.preinstalled_providers(target)
    found: dict[str, dict] = {}
    for qualname, paths in sorted(users.items()):
        resolution = compat.resolve(qualname, target)
        provider = resolution.provider or (compat.provider_of_path(qualname, target)
                                           if resolution.status == "unknown" else None)
        if not provider:
            continue  # core, or a name the target removed (the API rules say what replaces it)
        # The module's own provider, and the providers it imports at load time (no minimum).
        for name, minimum, direct in ((provider, resolution.min_version, True),
                                      *((d, None, False) for d in resolution.also_needs)):
            entry = found.setdefault(canonicalize_name(name), {"min": None, "used": [], "direct": False})
            entry["direct"] = entry["direct"] or direct
            if minimum and (entry["min"] is None or Version(minimum) > Version(entry["min"])):
                entry["min"] = minimum
            for path in paths:
                if len(entry["used"]) >= 5:
                    break
                if path not in {p for p, _ in entry["used"]}:
                    entry["used"].append((path, qualname))
    return {name: ProviderNeed(name, entry["min"], preinstalled.get(name), tuple(sorted(entry["used"])),
                               indirect=not entry["direct"])
            for name, entry in sorted(found.items())}


def providers_for_extras(extras: Iterable[str], target, constraints: Constraints | None = None) -> list[str]:
    """Provider distributions named by ``apache-airflow[extra,...]`` extras.

    Only extras that are providers count (``postgres`` is, ``crypto`` or ``password`` are
    not): a name is a provider when the target's constraints pin it or the knowledge base
    knows it for the target.
    """
    known = set(compat.target_distributions(target))
    if constraints is not None:
        known |= {name for name in constraints.pins if name.startswith("apache-airflow-providers-")}
    result = []
    for extra in extras:
        name = canonicalize_name("apache-airflow-providers-" + extra.replace(".", "-").replace("_", "-"))
        if name in known and name not in result:
            result.append(name)
    return result


@dataclass(frozen=True)
class ListedElsewhere:
    """A module the code imports that only a requirements file MWAA does not get installs."""

    module: str  # the top-level module the code imports
    requirement: RequirementLine  # the line of another requirements file that installs it
    importers: tuple[str, ...]  # project files that import it (outside try/except ImportError)


def listed_elsewhere(facts: RequirementsFacts, modules: Iterable, installed: Iterable[str],
                     local: Iterable[str], kinds: Iterable[str] = ("pypi",)) -> list[ListedElsewhere]:
    """Modules the scanned code imports unconditionally that neither the shipped requirements,
    the packages installed elsewhere (``facts.hidden``), ``installed`` (the image's distributions)
    nor the project itself (``local`` top-level names) provide, but that another requirements
    file of the project lists (``sentry_sdk`` -> ``sentry-sdk`` in requirements-composer.txt).
    A module is matched with the distributions the knowledge base says ship it, else with the
    one of its own name (``compat.module_distributions``: ``bs4`` is beautifulsoup4's, which the
    image may have), and an alias distribution counts as the one it installs. ``kinds``: the
    RequirementLine kinds of the other files' lines that count (``vcs`` and ``url`` too for a
    report; only ``pypi`` lines can be added to requirements.txt as they are); a PyPI line of a
    name wins over a Git or URL line of it."""
    installed = {canonicalize_name(name) for name in installed}
    if not installed:
        return []  # the image's packages are unknown for this target: nothing is claimed
    shipped_files = set(facts.shipped_files)
    provided = compat.installed_names(facts.names() | {r.name for r in facts.hidden if r.name} | installed)
    kinds = set(kinds)
    others: dict[str, RequirementLine] = {}
    for path in sorted(set(facts.files) - shipped_files):
        for requirement in facts.files[path].requirements:
            if not requirement.name or requirement.kind not in kinds:
                continue
            known = others.get(requirement.name)
            if known is None or (known.kind != "pypi" and requirement.kind == "pypi"):
                others[requirement.name] = requirement
    importers: dict[str, set[str]] = {}
    for module in modules:
        optional = set(module.optional_imports)
        for qualname in module.imports:
            if qualname not in optional:
                importers.setdefault(qualname.split(".", 1)[0], set()).add(module.path)
    local_names = set(local)
    other_names = [(compat.installed_names((name,)), r) for name, r in others.items()]
    found = []
    for top, paths in sorted(importers.items()):
        if top in sys.stdlib_module_names or top in local_names or top == "airflow" \
                or compat.module_provided(top, provided):
            continue
        requirement = next((r for names, r in other_names if compat.module_provided(top, names)), None)
        if requirement is not None:
            found.append(ListedElsewhere(top, requirement, tuple(sorted(paths))))
    return found


@dataclass(frozen=True)
class SplitModuleNeed:
    """A module the code imports that its distribution split out (``compat.split_modules``)
    before the target's version of it, and that the shipped requirements do not install."""

    module: str  # lxml.html.clean
    distribution: str  # what installs it now: lxml-html-clean
    parent: str  # lxml, at parent_version on the target
    parent_version: str
    importers: tuple[str, ...]  # project files importing it (outside try/except ImportError)
    requirement: str  # the line to add: lxml-html-clean==0.4.7, a release that fits the parent


def split_module_needs(facts: RequirementsFacts, modules: Iterable, target) -> list[SplitModuleNeed]:
    """Imports of split-out modules that fail on ``target``: its image has the parent at or
    after the split, and the shipped requirements list neither the new distribution nor the
    parent with the extra that pulls it in (``lxml[html-clean]``)."""
    image = compat.image_packages(target)
    shipped = facts.shipped_requirements
    needs = []
    for split in compat.split_modules():
        parent, distribution = canonicalize_name(split.parent), canonicalize_name(split.distribution)
        version = image.get(parent)
        if version is None or Version(version) < Version(split.split_in):
            continue
        if any(r.name == distribution or (r.name == parent and canonicalize_name(split.extra)
                                          in {canonicalize_name(e) for e in r.extras}) for r in shipped):
            continue
        importers = sorted({module.path for module in modules for qualname in module.imports
                            if (qualname == split.module or qualname.startswith(split.module + "."))
                            and qualname not in module.optional_imports})
        if importers:
            needs.append(SplitModuleNeed(split.module, distribution, parent, version, tuple(importers),
                                         split.requirement_for(version)))
    return needs


def quick_isolated_executables(workspace, file_facts: FileFacts | None = None) -> frozenset[str]:
    """Executables of the tools whose packages the project's requirements files list and the
    bundle installs into a venv of their own (``compat.isolated_tools``): a cheap pre-pass for
    the index every worker receives (every requirements file is read, not only the shipped one).
    ``file_facts``: each file's answer from earlier runs, by content (kept beside the scan cache)."""
    file_facts = file_facts or FileFacts()
    executables: set[str] = set()
    for rel in workspace.requirement_files:
        data = read_bytes(workspace.path(rel))
        if isinstance(data, bytes):
            executables |= file_facts.of("isolated_executables", rel, data, partial(_isolated_executables, rel))
    return frozenset(executables)


def _isolated_executables(rel: str, data: bytes) -> frozenset[str]:
    source = decode_text(data)
    crashes: list[AnalysisCrash] = []  # reported once, by the full analysis (MIG006)
    parsed = None if isinstance(source, Problem) else contained(
        crashes, rel, "requirements file", parse_requirements_text, source.text, rel)
    executables: set[str] = set()
    for requirement in parsed.requirements if parsed is not None else ():
        tool = compat.isolated_tool_for(requirement.name) if requirement.name else None
        if tool is not None:
            executables.add(tool.executable)
    return frozenset(executables)


def requirements_inventory(project, target) -> dict:
    """The requirement summary and the providers needed, for the JSON inventory."""
    facts: RequirementsFacts = project.requirements
    providers = needed_providers(project.modules, target)
    return {
        "requirements": {
            "files": facts.entry_files,
            "included": sorted({c for children in facts.includes.values() for c in children}),
            "constraint_files": facts.constraint_files,
            "constraint_lines": sorted({mask_uri(o.value or "") for e in facts.entry_files
                                        for o in facts.options_of(e, "constraint")}),
            "packages": sorted({r.name for r in facts.shipped_requirements if r.name}),
            "installed_elsewhere": sorted({f"{r.name or r.display()} ({r.path}:{r.line})" for r in facts.hidden}),
            "os_packages": sorted({p.name for p in project.env.os_packages}),
        },
        "providers": {
            "needed": {name: {"min_version": need.min_version, "preinstalled": need.preinstalled}
                       for name, need in providers.items()},
        },
    }
