"""The bundle's requirements.txt: the project's requirements fixed for the target, without what
MWAA cannot use (local paths, on-prem hosts) or must not read (passwords), and the repairs
``migrate --verify`` finds."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from migrator.analysis.requirements import is_url, needed_providers, parse_requirements_text
from migrator.bundle.facts import (
    FactsDraft,
    RequirementDropped,
    RequirementMoved,
    RequirementPassword,
    RequirementRemoval,
    SupersededRequirement,
    sort_checks,
)
from migrator.bundle.model import (
    MANIFEST,
    MWAA_PLUGINS_DIR,
    REQUIREMENTS,
    Bundle,
    BundleCheck,
    json_bytes,
)
from migrator.companion_pins import companion_moves
from migrator.compat.mwaa import MwaaVersion
from migrator.package_index import PackageIndex
from migrator.requirements_blocks import logical_blocks
from migrator.requirements_fix import (
    INDEX_OPTIONS,
    apply_install_repairs,
    extra_requirements,
    fix_requirements,
    imported_modules,
    inline_includes,
    replace_superseded,
    superseded_requirements,
)
from migrator.rules.pkg.requirement_removed import RequirementRemoved
from migrator.rules.pkg.requirement_version_moved import RequirementVersionMoved
from migrator.safe_write import write_files
from migrator.secrets import mask

if TYPE_CHECKING:
    from migrator.airflow_env import RequirementRepair
    from migrator.analysis.requirements import Constraints
    from migrator.project import ProjectFacts


def fixed_requirements_text(facts: ProjectFacts, target: MwaaVersion) -> tuple[str | None, str]:
    """The bundle's requirements.txt for ``target``, and a note on how it was made.

    MWAA receives one file, so ``-r`` includes are inlined first (a ``-r other.txt`` line would
    name a file MWAA does not have); then the requirements fixer corrects the whole text: the
    target's --constraint line, no apache-airflow or never-overridable pins, conflicting pins
    moved, needed providers added.
    """
    requirements = facts.requirements
    entry = requirements.entry_files[0] if requirements.entry_files else None
    extra = extra_requirements(facts, target)
    needs = {name: need.min_version
             for name, need in needed_providers(facts.modules, target).items()}
    if entry is None and not extra and not needs:
        return None, "none: the project installs no Python packages"
    crashed = sorted({crash.path for crash in requirements.crashes}
                     & set(requirements.closure(entry) if entry else ()))
    if crashed:  # the fixer would meet the same defect; MIG006 and the exit code report it
        return None, f"none: {', '.join(crashed)} could not be analysed (an internal error)"
    text = inline_includes(facts, entry) if entry else ""
    constraints = facts.constraints_for(entry, target).constraints if entry else None
    fixed = fix_requirements(text, target, constraints=constraints, needed_providers=needs,
                             extra_requirements=extra, imported=imported_modules(facts.modules))
    included = [f for f in requirements.closure(entry) if f != entry] if entry else []
    source = entry or "the packages the project installs elsewhere"
    return fixed, (f"{source}" + (f" with {', '.join(included)} inlined" if included else "")
                   + f", fixed for Airflow {target.airflow}")


def unread_requirements(facts: ProjectFacts) -> list[tuple[str, str]]:
    """(path, why) of each file of the requirements the bundle gets that could not be read:
    the packages it lists are missing from the bundle's requirements.txt."""
    requirements = facts.requirements
    entry = requirements.entry_files[0] if requirements.entry_files else None
    return [(path, requirements.unreadable[path])
            for path in (requirements.closure(entry) if entry else ())
            if path in requirements.unreadable]


def requirements_without_superseded(text: str, facts: ProjectFacts, draft: FactsDraft) -> str:
    """``text`` (the bundle's requirements, without the indexes MWAA cannot reach) with each
    requirement of a distribution PyPI does not have replaced by what ships its modules now
    when no index left may serve the old name, and a fact for each such requirement of the
    project's file (the fixer replaced some already): what the bundle installs, or why it kept
    the line and what to do."""
    requirements = facts.requirements
    entry = requirements.shipped_entry
    if entry is None:
        return text
    text, left = replace_superseded(text)
    kept = {found.requirement.name: found for found in left if not found.replaceable}
    for found in superseded_requirements(requirements.requirements_of(entry),
                                         requirements.options_of(entry, *INDEX_OPTIONS)):
        where = f"{found.requirement.path} line {found.requirement.line} ({found.requirement.display()})"
        kept_for = (tuple(kept[found.requirement.name].other_sources)
                    if found.requirement.name in kept else None)
        draft.add("superseded", SupersededRequirement(where, found.why, found.fact.requirement, kept_for))
    return text


# ``scheme://user:password@`` in an index URL, a VCS or a URL requirement.
# user:password@ on any scheme, or a bare token@ on http(s) (git+https://TOKEN@github.com/...).
# A password ends before the next "://": each search then stops there (linear time).
_URL_PASSWORD = re.compile(
    r"(?P<head>(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]{0,31}://[^\s/@:'\"]*:)(?P<password>(?!\d{1,5}(?:/|\s|$))(?:(?!://)[^\s@'\"])+)@"
    r"|(?P<token_head>(?<![A-Za-z0-9+.\-])(?:git\+)?https?://)(?P<token>[^\s/@:'\"]{6,})@")
# What pip expands in a requirements file: ${NAME} with upper-case letters, digits and "_".
_PIP_VARIABLE = re.compile(r"^\$\{[A-Z0-9_]+\}$")
REQUIREMENTS_PASSWORD_VARIABLE = "REQUIREMENTS_PASSWORD_{}"


# Index hosts no MWAA environment can reach: this machine, private names, private addresses.
_LOCAL_SUFFIXES = (".local", ".localdomain", ".internal", ".lan", ".home", ".corp", ".intranet")


def unreachable_host(url: str) -> bool:
    """Whether ``url``'s host can only exist on the on-prem network (or this machine)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return True
    if not host or host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not address.is_global


def requirements_mwaa_can_use(text: str, private_network: bool, found: FactsDraft) -> str:
    """``text`` without the lines that cannot work on MWAA, each removal reported with what to
    do: local paths and local ``--find-links`` folders (MWAA receives requirements.txt alone),
    indexes on hosts only the on-prem network has, and VCS URLs and remote ``-r`` files in a
    private network (a remote ``-r`` file kept gets a warning: what it holds is not reviewed)."""
    parsed = parse_requirements_text(text, REQUIREMENTS)
    ship = f"build a wheel, ship it in plugins.zip and install it by name with --find-links {MWAA_PLUGINS_DIR}"
    removed: dict[int, str] = {}
    for requirement in parsed.requirements:
        if requirement.kind == "path":
            removed[requirement.line] = f"a local path MWAA does not have: {ship}"
        elif requirement.kind == "vcs" and private_network:
            removed[requirement.line] = f"a private network cannot reach the repository: {ship}"
        elif requirement.kind in ("vcs", "url") and unreachable_host(requirement.url.split("+", 1)[-1]):
            removed[requirement.line] = f"a host only the on-prem network has: {ship}"
    inline = "copy its requirements into the project's requirements file, which the bundle's inlines"
    for option in parsed.options_named("find-links", "index-url", "extra-index-url", "requirement"):
        value = option.value or ""
        if option.option == "requirement":  # a local -r is inlined before; a URL is left to pip
            if not is_url(value):
                continue
            if private_network or unreachable_host(value):
                removed[option.line] = f"a remote requirements file MWAA cannot fetch: {inline}"
            else:
                found.add("remote_requirements", (option.line, mask(value)))
        elif option.option == "find-links" and not is_url(value):
            if value.rstrip("/") != MWAA_PLUGINS_DIR:
                removed[option.line] = f"a local folder MWAA does not have: {ship}"
        elif is_url(value) and unreachable_host(value):
            removed[option.line] = ("an index only the on-prem network has: mirror the packages into "
                                    "CodeArtifact and set PIP_EXTRA_INDEX_URL in startup.sh, or " + ship)
    if not removed:
        return text
    kept: list[str] = []
    for block in logical_blocks(text.splitlines(keepends=True)):
        # pip reads a line and the lines it continues on as one: the option goes with them.
        number = next((n for n in range(block.start + 1, block.end + 2) if n in removed), None)
        if number is not None:
            line = block.lines[number - block.start - 1]
            found.add("requirement_removals", RequirementRemoval(number, mask(line.strip()), removed[number]))
        else:
            kept.extend(block.lines)
    return "".join(kept)


def requirements_without_passwords(text: str, keep: bool, found: FactsDraft) -> str:
    """``text`` with every URL password replaced by a ``${REQUIREMENTS_PASSWORD_<n>}`` reference.

    requirements.txt lands in the S3 bucket as it is; a private index's password written in it
    would be readable by everyone who can read the bucket. pip expands ``${VAR}`` references in
    requirements files from the environment, and MWAA runs startup.sh before it installs the
    requirements, so exporting the variable there (read from Secrets Manager) keeps the install
    working. ``keep`` (--include-secret-options) ships the passwords as they are, with a warning.
    """
    variables: dict[str, str] = {}  # password -> variable; one variable per distinct password
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines, start=1):
        def replace(match: re.Match, number: int = number, line: str = line) -> str:
            password = match["password"] or match["token"]
            head = match["head"] or match["token_head"]
            if _PIP_VARIABLE.match(password):
                return match.group(0)  # already a reference
            shown = mask(line.strip())
            if keep:
                found.add("requirement_passwords", RequirementPassword(number, shown, None))
                return match.group(0)
            name = variables.setdefault(password, REQUIREMENTS_PASSWORD_VARIABLE.format(len(variables) + 1))
            found.add("requirement_passwords", RequirementPassword(number, shown, name))
            return f"{head}${{{name}}}@"

        lines[number - 1] = _URL_PASSWORD.sub(replace, line)
    return "".join(lines)


def apply_requirement_repairs(bundle: Bundle, repairs: Sequence[RequirementRepair]) -> None:
    """Write into the built bundle what verify found installs in place of the requirements.txt
    lines that do not (``airflow_env.RequirementRepair``s): MWAA installs the whole file or
    nothing, so one line no version of which installs would roll the environment back. The
    file says what changed and why, the manifest follows it, and each line gets a check: a
    version to review, or a package the DAGs that import it will miss."""
    if not repairs:
        return
    old = (bundle.out / REQUIREMENTS).read_bytes()
    data = apply_install_repairs(old.decode(), {r.line: (r.replacement, r.reason) for r in repairs}).encode()
    old_manifest = json_bytes(bundle.manifest)
    for row in bundle.manifest["files"]:
        if row["path"] == REQUIREMENTS:
            row.update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    # Both or neither: a manifest that disagrees with the file it describes is a broken bundle.
    write_files(bundle.out, {REQUIREMENTS: (old, data), MANIFEST: (old_manifest, json_bytes(bundle.manifest))})
    bundle.checks = sort_checks(bundle.checks + [
        repair_check(bundle.target, r.line, r.requirement, r.replacement, r.reason) for r in repairs])


def repair_check(target: MwaaVersion, line: int, requirement: str, replacement: str | None,
                 reason: str) -> BundleCheck:
    """What a requirements.txt line moved to a version that installs, or removed, tells the user:
    PKG013's check of a removal (``RequirementRemoved.dropped``), PKG025's of a move
    (``RequirementVersionMoved.moved``)."""
    if replacement is None:
        return RequirementRemoved().dropped(target.airflow, RequirementDropped(line, requirement, reason))
    return RequirementVersionMoved().moved(target.airflow, RequirementMoved(line, requirement, replacement, reason))


def requirements_with_fitting_companions(text: str, target: MwaaVersion,
                                         constraints: Constraints | None, found: FactsDraft) -> str:
    """``text`` with each exact pin whose own dependencies conflict with the constraints
    (``awscli==1.19.110`` pinning another botocore) moved to the newest release whose
    dependencies fit, read from the package index (:mod:`migrator.companion_pins`). Pins the
    index could not be asked about stay as they are, said in one check."""
    moves, unchecked = companion_moves(text, target, constraints, PackageIndex())
    found.extend("requirement_drops", [RequirementDropped(m.line, m.requirement, m.reason)
                                       for m in moves if m.replacement is None])
    found.extend("requirement_moves", [RequirementMoved(m.line, m.requirement, m.replacement, m.reason)
                                       for m in moves if m.replacement is not None])
    found.extend("dependencies_unchecked", [mask(u) for u in unchecked])
    return apply_install_repairs(text, {m.line: (m.replacement, m.reason) for m in moves})
