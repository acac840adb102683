"""The rule model: metadata, documentation with fixed sections, and VALID/INVALID examples.

A rule is a small class. Its docstring is its documentation (``migrator explain`` prints it and
``docs/rules.md`` is generated from it) and must have exactly the sections in ``DOC_SECTIONS``.
Its ``valid``/``invalid`` examples become tests (tests/test_rule_examples.py); a rule without
both kinds of example fails the suite.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from packaging.specifiers import SpecifierSet

from migrator import compat
from migrator.findings import Finding, Fix, FixSafety, Location, Severity, line_anchor

if TYPE_CHECKING:
    from migrator.analysis.python import ModuleFacts
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck
    from migrator.compat import MwaaVersion
    from migrator.project import ProjectFacts, ProjectIndex

DOC_SECTIONS = ("What it does", "Why it matters on MWAA", "Example", "Fix", "References")
FAMILIES = {
    "API": "Airflow API changes between the project's Airflow and the target",
    "MWA": "MWAA platform limits",
    "REQ": "requirements",
    "PLG": "plugins",
    "CFG": "airflow.cfg and environment configuration",
    "CON": "connections, variables and secrets",
    "PY": "Python version of the target",
    "MIG": "files the tool could not analyse, and its own problems",
    "PKG": "the bundle `migrator package` builds (reported by package, not by scan)",
}
_ID = re.compile(r"^(API|MWA|REQ|PLG|CFG|CON|PY|MIG|PKG)\d{3}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DEFAULT_EXAMPLE_PATH = "dags/example_dag.py"


@dataclass(frozen=True)
class Example:
    """A tiny project: ``code`` is written to ``path``; ``files`` adds more files by path.

    ``target`` pins the MWAA version the example is checked against (default: the newest with
    image data, ``target_version()``).
    For INVALID examples, ``line`` (1-based) and ``contains`` (a message fragment) sharpen the
    assertion; every INVALID example must yield at least one finding of its rule. A file's
    content may be a callable returning bytes, for contents too big to keep in memory.
    ``fixed`` (INVALID examples with a fix) is the text of ``path`` after ``migrator fix --unsafe``,
    on which the rule is then silent; ``fixed_path`` names another file whose text it is (a
    requirements fix rewrites requirements.txt, wherever the finding is). ``crash`` names a rule, or an analysis (``"analysis:env file"``), the example harness makes
    raise, to show how crashes are reported.
    ``facts`` (PKG rules only) is the example as the ``BundleFacts`` a build records, for a
    situation no offline project shows (a gigabyte plugins.zip, the package index's answers):
    the harness runs the rule's ``check`` on it instead of packaging a project, and the rule's
    "Example" section says the situation in words.
    """

    code: str | bytes = ""
    path: str = DEFAULT_EXAMPLE_PATH
    files: Mapping[str, str | bytes | Callable[[], bytes]] = field(default_factory=dict)
    target: str | None = None
    line: int | None = None
    contains: str | None = None
    fixed: str | None = None
    fixed_path: str | None = None
    crash: str | None = None
    facts: BundleFacts | None = None

    def target_version(self) -> MwaaVersion:
        """``target``, else the newest version with image data (``compat.newest_with_image()``):
        a version MWAA lists before its image files are published has no constraints to check
        against, and the examples of the requirement rules need them."""
        return compat.get_version(self.target) if self.target else compat.newest_with_image()

    def all_files(self) -> dict[str, str | bytes]:
        files = {path: content() if callable(content) else content
                 for path, content in self.files.items()}
        if self.code:
            files[self.path] = self.code
        return files


def Valid(code: str | bytes = "", **kwargs: Any) -> Example:
    if kwargs.get("fixed"):
        kwargs["fixed"] = inspect.cleandoc(kwargs["fixed"]) + "\n"
    return Example(inspect.cleandoc(code) + "\n" if isinstance(code, str) and code else code, **kwargs)


def Invalid(code: str | bytes = "", **kwargs: Any) -> Example:
    return Valid(code, **kwargs)


def applies_to_version(applies_to: str, target: MwaaVersion) -> bool:
    """Whether a rule's ``applies_to`` (a PEP 440 specifier, empty for every target) takes in the
    target's Airflow version."""
    return not applies_to or target.version in SpecifierSet(applies_to)


@dataclass(frozen=True)
class RuleContext:
    target: MwaaVersion
    index: ProjectIndex


class Rule:
    """Base class. Subclasses set the metadata and implement ``check``."""

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]  # one line, used in tables and SARIF shortDescription
    fix_safety: ClassVar[FixSafety] = FixSafety.NONE
    # PEP 440 specifier on the target's Airflow version; empty means every target.
    applies_to: ClassVar[str] = ""
    valid: ClassVar[tuple[Example, ...]] = ()
    invalid: ClassVar[tuple[Example, ...]] = ()

    @property
    def family(self) -> str:
        return re.match(r"[A-Z]+", self.id).group(0)

    @classmethod
    def validate_metadata(cls) -> list[str]:
        """Problems with the rule's declaration; the registry refuses rules that have any."""
        problems = []
        if not _ID.match(getattr(cls, "id", "")):
            problems.append(f"{cls.__name__}: id {getattr(cls, 'id', None)!r} is not FAMILY + 3 digits")
        if not _NAME.match(getattr(cls, "name", "")):
            problems.append(f"{cls.__name__}: name must be kebab-case")
        if not getattr(cls, "summary", ""):
            problems.append(f"{cls.__name__}: missing summary")
        sections = list(doc_sections(cls))
        if sections != list(DOC_SECTIONS):
            problems.append(f"{cls.__name__}: doc sections {sections} != {list(DOC_SECTIONS)}")
        if not cls.valid or not cls.invalid:
            problems.append(f"{cls.__name__}: needs VALID and INVALID examples")
        for example in (*cls.valid, *cls.invalid):
            if example.facts is not None and (not issubclass(cls, PackageRule) or example.all_files()):
                problems.append(f"{cls.__name__}: a facts example is a PKG rule's, without files")
        if cls.applies_to:
            SpecifierSet(cls.applies_to)  # raises on a bad specifier
        return problems

    def applies(self, target: MwaaVersion) -> bool:
        return applies_to_version(self.applies_to, target)

    @property
    def documentation(self) -> str:
        return inspect.cleandoc(type(self).__doc__ or "")

    # -- building findings ----------------------------------------------------------------------

    def finding(self, path: str, location: Location, message: str, *, anchor: str = "",
                fix: Fix | None = None, severity: Severity | None = None) -> Finding:
        return Finding(self.id, self.name, severity or self.severity, path, location, message,
                       fix, anchor or message)

    def at_node(self, module: ModuleFacts, node: ast.AST, message: str, *, fix: Fix | None = None,
                severity: Severity | None = None) -> Finding:
        location = module.location(node)
        anchor = f"{line_anchor(module.line_text(location.line), location.column)}\x1f{message}"
        return self.finding(module.path, location, message, anchor=anchor, fix=fix, severity=severity)


class PythonRule(Rule):
    """A rule over one Python module's facts. Runs in worker processes."""

    # Most Airflow rules only matter in modules that import airflow (ruff does the same).
    needs_airflow_import: ClassVar[bool] = True

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError


class ProjectRule(Rule):
    """A rule over project-wide facts (requirements, config, env, connections, plugins)."""

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        raise NotImplementedError


class PackageRule(Rule):
    """A check of the bundle ``migrator package`` builds (``migrator.bundle``), reported in its
    output as a ``BundleCheck`` whose code is the rule's ``name``; ``scan`` never runs it. Its
    examples are projects the example harness packages, or, for a situation no offline project
    shows, the facts a build would record (``facts=``), which the harness gives ``check``: an
    INVALID one gets a check of the rule, a VALID one none."""

    # BundleOptions the examples are packaged with (``include_secret_options``, ...).
    example_options: ClassVar[Mapping[str, Any]] = {}

    def check(self, facts: BundleFacts) -> Iterable[BundleCheck]:
        """The rule's checks of what the build found (``migrator.bundle.facts``): a pure
        function of ``facts``, which reads no file and prints nothing."""
        raise NotImplementedError

    def report(self, message: str, path: str = "", *, severity: Severity | None = None,
               in_bundle: bool = False) -> BundleCheck:
        """A check of this rule: its name is the code, its severity the default; ``in_bundle``:
        ``path`` is a file of the bundle (requirements.txt), not of the project."""
        from migrator.bundle.model import BundleCheck  # with pathspec: a scan never builds a bundle

        return BundleCheck(severity or self.severity, self.name, message, path, in_bundle)


def doc_sections(rule_cls: type) -> Iterator[str]:
    for line in inspect.cleandoc(rule_cls.__doc__ or "").splitlines():
        if line.startswith("## "):
            yield line[3:].strip()


def doc_section(rule_cls: type, title: str) -> str:
    """The text of one documentation section (used by SARIF help and markdown reports)."""
    text = inspect.cleandoc(rule_cls.__doc__ or "")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.DOTALL | re.MULTILINE)
    return match.group(1).strip() if match else ""
