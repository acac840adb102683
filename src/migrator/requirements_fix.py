"""The fixed requirements.txt for a target MWAA environment, as text.

:func:`fix_requirements` is a pure function of the file's text and the target's facts; the
``fix`` and ``package`` steps call :func:`fixed_requirements_for` with the scan's
``ProjectFacts``. It

- adds the target's ``--constraint`` line (or points an Apache constraints URL for another
  version at the target's),
- drops ``apache-airflow`` (adding the providers its extras stood for) and every package MWAA
  pins and never lets users override, and replaces 1.10 backport providers by the providers
  and a distribution PyPI does not have by the one upstream now ships its modules in
  (``odc-aws`` -> ``odc-cloud``) unless the file names another index that may still serve it,
- reduces a pip-compile lock to the project's direct requirements (lines ``# via -r ...`` or
  without a ``# via``), and a frozen Airflow 1 or 2 environment to what is not that Airflow's
  own dependency (unless the code imports it),
- drops lines the MWAA image already satisfies (a pin of another version stays: it is
  deliberate, and REQ008 says so),
- moves pins that conflict with the constraints to the constrained version,
- adds the providers the code needs and the packages the on-prem setup installed elsewhere,

and keeps everything else (comments, blank lines, order, line endings) as it was. Applying it
twice gives the same text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from migrator import compat
from migrator.analysis.missing_packages import missing_packages
from migrator.analysis.requirements import (
    Constraints,
    constraints_url_versions,
    frozen_airflow_major,
    is_url,
    needed_providers,
    parse_requirement,
    parse_requirements_text,
    providers_for_extras,
    redundant_with_image,
    resolve_local,
    specifier_excludes,
    split_module_needs,
)
from migrator.analysis.source import Problem, detect_newline, read_text
from migrator.requirements_blocks import (
    COMMENT,
    HASH,
    Block,
    logical_blocks,
    rewrite_pin,
    without_hashes,
)
from migrator.requirements_superseded import (
    INDEX_OPTIONS,
    replace_superseded,
    superseded_requirements,
)

__all__ = ["AIRFLOW", "BACKPORT_PREFIX", "INDEX_OPTIONS", "PROVIDER_PREFIX", "IsolatedInstall",
    "apply_install_repairs", "extra_requirements", "fix_requirements", "fixed_requirements_for",
    "imported_modules", "inline_includes", "install_blockers", "isolate_tools", "replace_superseded"]


AIRFLOW = "apache-airflow"
PROVIDER_PREFIX = "apache-airflow-providers-"
BACKPORT_PREFIX = "apache-airflow-backport-providers-"
_CONSTRAINT_LINE = re.compile(r"^\s*(-c|--constraint)(\s*=\s*|\s+|(?=\S))(?P<value>\S+)")
_COMMENTED_CONSTRAINT = re.compile(r"^\s*#\s*(-c|--constraint)[\s=]")
# pip-compile's notes under a requirement: "    # via" and its "    #   source" lines.
_VIA_NOTE = re.compile(r"^\s*#\s*via\b|^\s*#\s{2,}\S")


def _is_newer(version: str, minimum: str | None) -> bool:
    if not minimum:
        return True
    try:
        return Version(version) >= Version(minimum)
    except InvalidVersion:
        return True


def fix_requirements(text: str, target, *, constraints: Constraints | None = None,
                     needed_providers: Mapping[str, str | None] | None = None,
                     extra_requirements: Iterable[str] = (), imported: Iterable[str] = ()) -> str:
    """The fixed text of one requirements file for ``target`` (an ``MwaaVersion``).

    ``constraints`` are the pins to move conflicting versions to (None: leave versions alone);
    ``needed_providers`` maps provider distributions the code imports to a minimum version;
    ``extra_requirements`` are requirement strings to add when no line names them yet;
    ``imported`` are the top-level module names the project's code imports.
    """
    newline = detect_newline(text)
    lines = text.splitlines()
    essentials = compat.essential_pin_names(target)
    preinstalled = {canonicalize_name(k): v for k, v in compat.preinstalled_providers(target).items()}
    image = compat.image_packages(target)
    url = target.constraints_url
    facts = parse_requirements_text(text, "")
    by_line = {r.line: r for r in facts.requirements}
    superseded = {found.requirement.line: found for found in superseded_requirements(facts.requirements, facts.options)
                  if found.replaceable}
    frozen = None if facts.is_lock else frozen_airflow_major(facts.requirements)  # a lock says itself
    imported_names = {canonicalize_name(n) for n in imported}
    airflow_dependencies = compat.airflow_dependencies(frozen) - imported_names if frozen else frozenset()

    def unwanted(parsed) -> bool:
        """Nothing the project runs asks for the line (the code importing it asks for it, even
        when the lock says it came in for another package), or the image already satisfies it."""
        requirement = by_line.get(parsed.line, parsed)
        if (facts.is_transitive(requirement) and parsed.name not in imported_names) \
                or parsed.name in airflow_dependencies:
            return True
        return parsed.name in image and redundant_with_image(
            parsed, image[parsed.name], constraints.get(parsed.name) if constraints is not None else None)

    output: list[str] = []
    present: set[str] = set()
    providers_from_extras: list[str] = []
    has_constraint = any(_COMMENTED_CONSTRAINT.match(line) for line in lines)
    dropped_notes = False  # the "# via" notes under a dropped line go with it
    changed = False  # a requirement line was dropped, rewritten or replaced
    for block in logical_blocks(lines):
        logical = block.logical
        stripped = COMMENT.sub("", logical).strip()
        original = list(block.lines)
        if dropped_notes and not stripped and _VIA_NOTE.match(logical):
            continue
        dropped_notes = False
        constraint = _CONSTRAINT_LINE.match(stripped)
        if constraint:
            has_constraint = True
            value = constraint.group("value").strip("'\"")
            airflow, python = constraints_url_versions(value)
            if is_url(value) and airflow and (airflow != target.airflow or (python and python != target.python)):
                output.append(f'--constraint "{url}"')
            else:
                output.extend(original)
            continue
        if not stripped or stripped.startswith("-"):
            output.extend(original)
            continue
        parsed = parse_requirement(stripped, "", block.start + 1)
        if isinstance(parsed, str) or not parsed.name:
            output.extend(original)
            continue
        name = parsed.name
        if name == AIRFLOW:
            providers_from_extras.extend(providers_for_extras(parsed.extras, target, constraints))
            dropped_notes = changed = True
            continue
        if name in essentials or unwanted(parsed):
            dropped_notes = changed = True
            continue
        if name.startswith(BACKPORT_PREFIX):  # 1.10 only: the provider package replaces it
            provider = PROVIDER_PREFIX + name[len(BACKPORT_PREFIX):]
            if provider not in present and provider not in preinstalled:  # needs beyond it: added below
                output.append(provider)
                present.add(provider)
            changed = True
            continue
        if block.start + 1 in superseded:
            found = superseded[block.start + 1]
            output.append(found.replacement_line())
            present.add(found.fact.replacement)
            changed = True
            continue
        present.add(name)
        pinned = constraints.get(name) if constraints is not None and parsed.kind == "pypi" else None
        if pinned and parsed.specifier and specifier_excludes(parsed.specifier, pinned):
            output.append(rewrite_pin(block, pinned))
            changed = True
            continue
        output.extend(original)

    additions: list[str] = []
    wanted: dict[str, str | None] = {name: None for name in providers_from_extras}
    for name, minimum in (needed_providers or {}).items():
        wanted[canonicalize_name(name)] = minimum
    for name, minimum in wanted.items():
        if name in present or name in essentials:
            continue
        installed = preinstalled.get(name)
        if installed and _is_newer(installed, minimum):
            continue
        constrained = constraints.get(name) if constraints is not None else None
        needs_floor = minimum and not (constrained and _is_newer(constrained, minimum))
        additions.append(f"{name}>={minimum}" if needs_floor else name)
        present.add(name)
    for requirement_text in extra_requirements:
        parsed = parse_requirement(requirement_text, "", 0)
        if isinstance(parsed, str):
            continue
        if parsed.name and (parsed.name in present or parsed.name in essentials or parsed.name == AIRFLOW
                            or parsed.name in preinstalled or unwanted(parsed)):
            continue  # as a line of the file would be dropped (a second fix must change nothing)
        pinned = constraints.get(parsed.name) if constraints is not None and parsed.name else None
        if pinned and parsed.kind == "pypi" and parsed.specifier and specifier_excludes(parsed.specifier, pinned):
            additions.append(rewrite_pin(Block(0, 0, (parsed.text,)), pinned))
        else:
            additions.append(parsed.text)
        if parsed.name:
            present.add(parsed.name)

    if not has_constraint:
        output.insert(0, f'--constraint "{url}"')
    output.extend(additions)
    if changed or additions:
        output = without_hashes(output)
    result = newline.join(output)
    return result + newline if result else ""


def install_blockers(text: str, target, constraints: Constraints | None) -> list[str]:
    """Why pip on MWAA cannot install ``text`` for ``target``, line by line (empty: nothing
    known): lines pip cannot read, apache-airflow at another version, a backport provider,
    and pins that exclude MWAA's never-overridable versions or the constraints'."""
    image = compat.runtime(target)
    essential = dict(image.essential) if image is not None else {}
    parsed = parse_requirements_text(text, "requirements.txt")
    physical = text.splitlines()
    reasons = [f"line {line} ({physical[line - 1].strip()}): {message}" for line, message in parsed.problems]
    for requirement in parsed.requirements:
        name, specifier, where = requirement.name, requirement.specifier, f"line {requirement.line}"
        if name and name.startswith(BACKPORT_PREFIX):
            reasons.append(f"{where}: {requirement.display()} is an Airflow 1.10 backport")
            continue
        if not name or not specifier or requirement.kind != "pypi":
            continue
        pinned = target.airflow if name == AIRFLOW else essential.get(name) or (
            constraints.get(name) if constraints is not None else None)
        if pinned and specifier_excludes(specifier, pinned):
            reasons.append(f"{where}: {requirement.display()} excludes {requirement.written_name}=={pinned}, "
                           f"which MWAA {target.airflow} installs")
    return reasons


def fixed_requirements_for(project, target, entry: str | None = None) -> str:
    """The fixed requirements.txt text for the project's entry file (or a new one).

    Uses the scan's facts: the constraints chosen for the target, the providers the code
    imports and the packages compose/Dockerfiles/scripts installed outside requirement files.
    """

    facts = project.requirements
    entry = entry or (facts.entry_files[0] if facts.entry_files else None)
    text = ""
    constraints = None
    if entry is not None:
        source = read_text(project.workspace.path(entry))
        text = "" if isinstance(source, Problem) else source.text
        constraints = project.constraints_for(entry, target).constraints
    needs = {name: need.min_version for name, need in needed_providers(project.modules, target).items()}
    return fix_requirements(text, target, constraints=constraints, needed_providers=needs,
                            extra_requirements=extra_requirements(project, target),
                            imported=imported_modules(project.modules))


def extra_requirements(project, target) -> list[str]:
    """Requirements the shipped file must gain: packages installed outside requirement files
    (compose, Dockerfiles, scripts), those the code imports from another requirements file, the
    distributions split-out modules the code imports now come in, and the packages the code
    imports that nothing installs, where the target's constraints pin them (REQ024)."""

    return ([r.text for r in project.requirements.hidden if r.kind == "pypi"]
            + [found.requirement.text for found in project.listed_elsewhere(target)]
            + [need.requirement for need in split_module_needs(project.requirements, project.modules, target)]
            + [missing.pin[0] for missing in missing_packages(project, target) if missing.pin])


def imported_modules(modules) -> set[str]:
    """Top-level module names the project's code imports (module summaries)."""
    return {qualname.split(".", 1)[0] for module in modules for qualname in module.imports}


def inline_includes(project, entry: str) -> str:
    """``entry``'s text with each ``-r`` include replaced by the included file's lines (each
    file once, recursively): MWAA receives a single requirements.txt."""

    workspace = project.workspace
    seen: set[str] = set()

    def expand(rel: str) -> list[str]:
        seen.add(rel)
        source = read_text(workspace.path(rel))
        if isinstance(source, Problem):
            return []
        result: list[str] = []
        for line in source.text.splitlines():
            match = re.match(r"^\s*(-r|--requirement)(\s*=\s*|\s+|(?=\S))(?P<value>\S+)", line)
            if not match:
                result.append(line)
                continue
            target = resolve_local(match.group("value"), rel, workspace.root, workspace.dag_folders,
                                   workspace.plugins_folder)
            if target is None or target in seen:
                result.append(line if target is None else f"# {line.strip()} (already included)")
                continue
            result.append(f"# {line.strip()}")
            result.extend(expand(target))
        return result

    lines = expand(entry)
    source = read_text(workspace.path(entry))
    newline = source.newline if not isinstance(source, Problem) else "\n"
    return newline.join(lines) + (newline if lines else "")


def apply_install_repairs(text: str, repairs: Mapping[int, tuple[str | None, str]]) -> str:
    """``text`` with the requirements pip could not install replaced by what it did install.

    ``repairs`` maps the first line (1-based) of a requirement to its replacement (None: the
    line goes) and pip's reason; a comment above each says what changed and why, so the file
    itself tells the reviewer. Lines ``repairs`` does not name are kept as they are.
    """
    if not repairs:
        return text
    newline = detect_newline(text)
    output: list[str] = []
    for block in logical_blocks(text.splitlines()):
        if block.start + 1 not in repairs:
            output.extend(block.lines)
            continue
        replacement, reason = repairs[block.start + 1]
        written = HASH.sub("", COMMENT.sub("", block.logical)).strip()
        reason = " ".join(reason.split())
        reason = reason if len(reason) <= 160 else reason[:157] + "..."
        if replacement is None:
            output.append(f"# migrator: removed {written}: no version of it installs on the target ({reason})")
        else:
            output.append(f"# migrator: {written} does not install on the target ({reason})")
            output.append(replacement)
    result = newline.join(without_hashes(output))
    return result + newline if result else ""


@dataclass(frozen=True)
class IsolatedInstall:
    """Requirements of a tool that cannot share Airflow's environment, for its own venv."""

    tool: compat.IsolatedTool
    requirements: tuple[str, ...]  # as written (an extra of another line becomes its own name)


def isolate_tools(text: str) -> tuple[str, list[IsolatedInstall]]:
    """``text`` without the requirements of the tools compat says cannot share Airflow's
    environment (dbt and its adapters), each left as a comment saying where it went, and what
    each tool's own environment installs. An extra that pulls such a package in
    (``astronomer-cosmos[dbt-postgres]``) is taken off its line and installed with the tool."""
    newline = detect_newline(text)
    output: list[str] = []
    moved: dict[str, tuple[compat.IsolatedTool, list[str]]] = {}
    for block in logical_blocks(text.splitlines()):
        stripped = COMMENT.sub("", block.logical).strip()
        parsed = parse_requirement(stripped, "", block.start + 1) if stripped and not stripped.startswith("-") else None
        if parsed is None or isinstance(parsed, str) or not parsed.name:
            output.extend(block.lines)
            continue
        tool = compat.isolated_tool_for(parsed.name)
        if tool is not None:
            requirement = HASH.sub("", stripped).strip()  # startup.sh installs it by name: no --hash there
            moved.setdefault(tool.name, (tool, []))[1].append(requirement)
            output.append(f"# {requirement}: installed by startup.sh into ${{AIRFLOW_HOME}}/{tool.venv} "
                          f"({tool.why})")
            continue
        extras = {extra: compat.isolated_tool_for(canonicalize_name(extra)) for extra in parsed.extras}
        if not any(extras.values()):
            output.extend(block.lines)
            continue
        for extra, tool in extras.items():
            if tool is not None:
                moved.setdefault(tool.name, (tool, []))[1].append(extra)
        kept = sorted(extra for extra, tool in extras.items() if tool is None)
        rebuilt = re.sub(r"\[[^\]]*\]", f"[{','.join(kept)}]" if kept else "", stripped, count=1)
        output.append(rebuilt)
    if not moved:
        return text, []
    result = newline.join(output)
    return result + newline, [IsolatedInstall(tool, _one_per_name(requirements))
                              for tool, requirements in moved.values()]


def _one_per_name(requirements: list[str]) -> tuple[str, ...]:
    """One requirement per package: a line with a version wins over the bare name an extra gave."""
    chosen: dict[str, str] = {}
    for text in requirements:
        parsed = parse_requirement(text, "", 0)
        name = parsed.name if not isinstance(parsed, str) and parsed.name else text
        if name not in chosen or len(text) > len(chosen[name]):
            chosen[name] = text
    return tuple(chosen.values())
