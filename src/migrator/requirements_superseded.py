"""Distributions that cannot install on MWAA under their name, replaced by the one upstream now
ships their modules in (``odc-aws`` -> ``odc-cloud``, ``cx-Oracle`` -> ``oracledb``), unless the
file names another index that may still serve the old one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from migrator import compat
from migrator.analysis.requirements import (
    PUBLIC_INDEX_HOSTS,
    RequirementLine,
    RequirementOption,
    is_url,
    parse_requirements_text,
)
from migrator.analysis.source import detect_newline
from migrator.requirements_blocks import logical_blocks, without_hashes
from migrator.secrets import mask_uri

# The options that decide where pip looks for a distribution.
INDEX_OPTIONS = ("index-url", "extra-index-url", "find-links", "no-index")


@dataclass(frozen=True)
class Superseded:
    """A requirement of a distribution PyPI does not have, and what replaces it."""

    requirement: RequirementLine
    fact: compat.SupersededDistribution
    other_sources: tuple[str, ...]  # what the file names besides PyPI that may still serve the old name

    @property
    def replaceable(self) -> bool:
        """Only PyPI (and indexes upstream left) is asked: the old name cannot install."""
        return not self.other_sources

    @property
    def why(self) -> str:
        if self.fact.reason:
            return self.fact.reason
        return (f"PyPI has no {self.requirement.name}: {self.fact.replacement} ships its modules "
                f"({', '.join(self.fact.modules)}) since {self.fact.since}")

    def replacement_line(self) -> str:
        """The replacement requirement (the old version means nothing for it), keeping the marker."""
        marker = f"; {self.requirement.marker}" if self.requirement.marker else ""
        old = f"{self.requirement.written_name}{self.requirement.specifier}"
        return f"{self.fact.requirement}{marker}  # migrator: was {old}; {self.why}"


def superseded_requirements(requirements: Iterable[RequirementLine],
                            options: Iterable[RequirementOption]) -> list[Superseded]:
    """The requirements of distributions PyPI does not have that upstream now publishes under
    another name (compat), each with the sources ``options`` name that may still serve it: any
    index or --find-links but PyPI's and the ones upstream stopped publishing to, and --no-index."""
    options = [o for o in options if o.option in INDEX_OPTIONS]
    found = []
    for requirement in requirements:
        fact = compat.superseded_distribution(requirement.name) if requirement.kind == "pypi" and requirement.name else None
        if fact is not None:
            others = tuple(source for source in (_other_source(o, fact) for o in options) if source)
            found.append(Superseded(requirement, fact, others))
    return found


def replace_superseded(text: str) -> tuple[str, list[Superseded]]:
    """``text`` with each replaceable superseded requirement replaced (the rest kept), and
    every superseded requirement found: for a file whose indexes are final, as the bundle's."""
    parsed = parse_requirements_text(text, "requirements.txt")
    found = superseded_requirements(parsed.requirements, parsed.options)
    replaced = {f.requirement.line: f for f in found if f.replaceable}
    if not replaced:
        return text, found
    newline = detect_newline(text)
    output: list[str] = []
    for block in logical_blocks(text.splitlines()):
        output.extend([replaced[block.start + 1].replacement_line()] if block.start + 1 in replaced else block.lines)
    return newline.join(without_hashes(output)) + newline, found


def _other_source(option: RequirementOption, fact: compat.SupersededDistribution) -> str | None:
    if option.option == "no-index":
        return "--no-index"
    value = (option.value or "").strip("'\"")
    host = (urlsplit(value).hostname or "").lower() if is_url(value) else ""
    if host in PUBLIC_INDEX_HOSTS or value.rstrip("/") in fact.former_indexes:
        return None
    return f"--{option.option} {mask_uri(value)}"
