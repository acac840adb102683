""".airflowignore files read the way Airflow's DAG processor reads them, in both syntaxes.

Airflow walks the DAG folder top-down. In each folder it adds the patterns of that folder's
``.airflowignore`` to the ones inherited from its parents; a matched folder is pruned (nothing below
it is parsed), a matched file is skipped. Everything after ``#`` on a line is a comment.

- ``regexp`` syntax: each line is a regular expression searched (unanchored) in the path relative
  to the DAG folder root. A pattern Airflow's regex engine (RE2) rejects is skipped with a warning.
- ``glob`` syntax: each line is a gitignore pattern. A pattern with a ``/`` at its start or middle is
  relative to the folder of its ``.airflowignore``; any other pattern is matched against the file or
  folder name alone. ``!pattern`` re-includes; the last matching pattern wins.

Which syntax applies is ``[core] dag_ignore_file_syntax``; its default per Airflow version
(``regexp`` before Airflow 3, ``glob`` from 3.0) comes from ``migrator.compat``.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

import pathspec

from migrator.analysis.source import Problem, read_text
from migrator.compat import airflow_default
from migrator.linear_regex import LinearRegex, Unsupported, compile_safe

if TYPE_CHECKING:
    from migrator.project import ProjectFacts

Syntax = Literal["regexp", "glob"]
SYNTAXES: tuple[Syntax, ...] = ("regexp", "glob")
IGNORE_FILE = ".airflowignore"

# Airflow strips this from every line before compiling it (a comment, with the blanks before it).
# The look-behind starts a match only where a run of spaces starts: "\s*#" alone would rescan
# the rest of the run from each of its characters.
_COMMENT = re.compile(r"(?<!\s)\s*#.*")
# Constructs Python's ``re`` accepts but RE2 (the engine Airflow uses since 2.6) rejects: lookaround
# and backreferences. Airflow logs a warning and drops such a line, so the pattern ignores nothing.
_RE2_UNSUPPORTED = re.compile(r"\(\?<?[=!]|\(\?P=|\\[1-9]")


def default_syntax(airflow_version: str) -> Syntax:
    """The syntax Airflow uses when ``core.dag_ignore_file_syntax`` is not set (``"2"`` or
    ``"2.11.2"``; a bare major means its first release)."""
    syntax = airflow_default("core.dag_ignore_file_syntax", airflow_version).value
    if syntax not in SYNTAXES:
        raise ValueError(f"unexpected .airflowignore syntax {syntax!r} for Airflow {airflow_version}")
    return syntax  # type: ignore[return-value]


def effective_syntax(airflow_version: str, configured: str | None = None) -> Syntax:
    """``configured`` (the value of ``core.dag_ignore_file_syntax``) wins when it is valid."""
    if configured and configured.strip().lower() in SYNTAXES:
        return configured.strip().lower()  # type: ignore[return-value]
    return default_syntax(airflow_version)


def project_ignore_syntax(facts: ProjectFacts) -> Syntax:
    """The syntax the project's own .airflowignore files were written for: its
    ``core.dag_ignore_file_syntax``, else the default of the Airflow it runs today."""
    configured = facts.config.value("core.dag_ignore_file_syntax")
    majors = source_airflow_majors(facts)
    # Unknown: projects moving to MWAA run Airflow 1.10 or 2.x, whose default is regexp.
    version = str(min(majors)) if majors else "2"
    return effective_syntax(version, configured)


def source_airflow_majors(facts: ProjectFacts) -> set[int]:
    """Major versions of the Airflow the project runs now (requirement pins, image tags)."""
    majors: set[int] = set()
    requirements = facts.requirements
    lines = [r for f in requirements.files.values() for r in f.requirements]
    for requirement in [*lines, *requirements.hidden]:
        if requirement.name == "apache-airflow" and requirement.pinned_version:
            majors.add(int(requirement.pinned_version.split(".")[0]))
    for image in facts.env.base_images:
        if image.airflow_version:
            majors.add(int(image.airflow_version.split(".")[0]))
    return majors


@dataclass(frozen=True)
class IgnoreWarning:
    """A line Airflow would skip (bad pattern), or an ignore file it could not read."""

    path: str  # POSIX, relative to the project root
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class IgnoreRule:
    source: str  # the .airflowignore, POSIX relative to the project root
    line: int
    pattern: str
    syntax: Syntax
    regex: re.Pattern[str] | LinearRegex  # LinearRegex where re could backtrack for hours
    ignores: bool = True  # False for a glob negation (``!pattern``)
    # glob only: the folder (relative to the DAG folder, "" = its root) an anchored pattern is
    # relative to; None = matched against the bare file or folder name.
    anchor: str | None = None

    def describe(self) -> str:
        return f"{self.source}:{self.line} ({self.pattern!r})"

    def _subject(self, rel: str, is_dir: bool) -> str | None:
        if self.syntax == "regexp":
            return rel
        if self.anchor is None:
            subject = PurePosixPath(rel).name
        elif self.anchor == "":
            subject = rel
        elif rel.startswith(self.anchor + "/"):
            subject = rel[len(self.anchor) + 1:]
        else:
            return None
        if is_dir and self.pattern.endswith("/"):
            subject += "/"
        return subject

    def matches(self, rel: str, is_dir: bool) -> bool:
        """Whether this rule matches ``rel`` (POSIX, relative to the DAG folder root)."""
        subject = self._subject(rel, is_dir)
        if subject is None:
            return False
        if self.syntax == "regexp":
            return self.regex.search(subject) is not None
        return self.regex.match(subject) is not None


def parse_ignore_text(text: str, *, source: str, folder: str, syntax: Syntax
                      ) -> tuple[list[IgnoreRule], list[IgnoreWarning]]:
    """Rules of one ignore file. ``folder``: its folder relative to the DAG folder ("" = root)."""
    rules: list[IgnoreRule] = []
    warnings: list[IgnoreWarning] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        pattern = _COMMENT.sub("", raw)
        if not pattern:
            continue
        if syntax == "regexp":
            rule = _regexp_rule(pattern, source, number, warnings)
        else:
            rule = _glob_rule(pattern, source, number, folder, warnings)
        if rule is not None:
            rules.append(rule)
    return rules, warnings


def _regexp_rule(pattern: str, source: str, line: int,
                 warnings: list[IgnoreWarning]) -> IgnoreRule | None:
    try:
        regex = compile_safe(pattern)
    except Unsupported as exc:
        warnings.append(IgnoreWarning(source, line, f"{pattern!r} cannot be matched in linear "
                                      f"time ({exc}), as Airflow's RE2 engine requires; Airflow "
                                      "skips this line"))
        return None
    except re.error as exc:
        warnings.append(IgnoreWarning(source, line, f"invalid regular expression {pattern!r} "
                                      f"({exc.msg}); Airflow skips this line"))
        return None
    except (RecursionError, OverflowError):
        warnings.append(IgnoreWarning(source, line, f"regular expression {pattern!r} is too "
                                      "complex to compile; Airflow skips this line"))
        return None
    if _RE2_UNSUPPORTED.search(pattern):
        warnings.append(IgnoreWarning(source, line, f"{pattern!r} uses lookaround or a "
                                      "backreference, which Airflow's RE2 engine rejects; "
                                      "Airflow skips this line"))
        return None
    return IgnoreRule(source, line, pattern, "regexp", regex)


def _glob_rule(pattern: str, source: str, line: int, folder: str,
               warnings: list[IgnoreWarning]) -> IgnoreRule | None:
    if pattern.strip() == "/":
        warnings.append(IgnoreWarning(source, line, "the glob pattern '/' matches nothing; "
                                      "Airflow skips this line"))
        return None
    try:
        compiled = pathspec.GitIgnoreSpec.from_lines([pattern]).patterns
    except ValueError as exc:
        warnings.append(IgnoreWarning(source, line, f"invalid glob pattern {pattern!r} ({exc})"))
        return None
    if not compiled or compiled[0].include is None or compiled[0].regex is None:
        return None  # blank after gitignore's own trimming
    body = pattern.removeprefix("!")
    anchored = body.startswith("/") or "/" in body.rstrip("/")
    return IgnoreRule(source, line, pattern, "glob", compiled[0].regex,
                      ignores=bool(compiled[0].include), anchor=folder if anchored else None)


@dataclass(frozen=True)
class AirflowIgnore:
    """The rules in force in one folder of a DAG folder (its own plus its parents')."""

    syntax: Syntax
    rules: tuple[IgnoreRule, ...] = ()

    def extended(self, rules: list[IgnoreRule]) -> AirflowIgnore:
        # Airflow drops repeated patterns (keeping the first), and order matters for negations.
        kept: dict[tuple[str, str | None], IgnoreRule] = {}
        for rule in (*self.rules, *rules):
            kept.setdefault((rule.pattern, rule.anchor), rule)
        return AirflowIgnore(self.syntax, tuple(kept.values()))

    def match(self, rel: str, is_dir: bool = False) -> IgnoreRule | None:
        """The rule that makes Airflow skip ``rel`` (relative to the DAG folder), or None."""
        if self.syntax == "regexp":
            return next((r for r in self.rules if r.matches(rel, is_dir)), None)
        decisive: IgnoreRule | None = None
        for rule in self.rules:
            if rule.matches(rel, is_dir):
                decisive = rule if rule.ignores else None
        return decisive


def load_rules(root: Path, dag_folder: str, folder: str, syntax: Syntax
               ) -> tuple[list[IgnoreRule], list[IgnoreWarning]]:
    """Rules of ``<dag_folder>/<folder>/.airflowignore`` if it exists (paths POSIX, from ``root``)."""
    rel_dir = PurePosixPath(dag_folder) / folder if folder else PurePosixPath(dag_folder)
    source = (rel_dir / IGNORE_FILE).as_posix().removeprefix("./")
    path = root / source
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return [], []
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    except OSError as exc:  # the folder cannot be searched: say so instead of crashing the walk
        return [], [IgnoreWarning(source, 1, f"cannot read: {exc.strerror or exc}")]
    text = read_text(path)
    if isinstance(text, Problem):
        return [], [IgnoreWarning(source, text.line, f"cannot read: {text.message}")]
    return parse_ignore_text(text.text, source=source, folder=folder, syntax=syntax)


@dataclass
class IgnoreReport:
    """Result of :func:`find_ignored`: what Airflow would skip in one DAG folder, and why."""

    ignored: dict[str, IgnoreRule]  # path relative to the DAG folder ("x/" for folders) -> rule
    warnings: list[IgnoreWarning]


def find_ignored(root: Path, dag_folder: str, syntax: Syntax) -> IgnoreReport:
    """Walk ``dag_folder`` as Airflow would and list what its .airflowignore files exclude.

    Symlinks are not followed (the bundle never ships what they point to).
    """
    base = root / dag_folder
    ignored: dict[str, IgnoreRule] = {}
    warnings: list[IgnoreWarning] = []

    def visit(folder: str, scope: AirflowIgnore) -> None:
        rules, problems = load_rules(root, dag_folder, folder, syntax)
        warnings.extend(problems)
        scope = scope.extended(rules)
        here = base / folder if folder else base
        try:
            entries = sorted(here.iterdir(), key=lambda p: p.name)
        except OSError:
            return
        for entry in entries:
            rel = f"{folder}/{entry.name}" if folder else entry.name
            is_dir = entry.is_dir() and not entry.is_symlink()
            rule = scope.match(rel, is_dir)
            if rule is not None:
                ignored[rel + "/" if is_dir else rel] = rule
            elif is_dir:
                visit(rel, scope)

    visit("", AirflowIgnore(syntax))
    return IgnoreReport(ignored, warnings)


def render_ignore_file(paths: list[str], syntax: Syntax, header: list[str]) -> str:
    """An .airflowignore listing exactly ``paths`` (relative to the DAG folder, folders end in
    ``/``), written in ``syntax`` so the target's DAG processor reads it as meant."""
    lines = [f"# {line}" if line else "#" for line in header]
    for path in sorted(set(paths)):
        folder = path.endswith("/")
        bare = path.rstrip("/")
        if syntax == "regexp":
            # Anchored both ends: a folder is matched by its own path (Airflow prunes it there).
            # "#" starts a comment even when escaped, so it is spelled as a hex escape.
            lines.append("^" + re.escape(bare).replace("\\#", "#").replace("#", r"\x23") + "$")
        else:
            # gitignore has no escape Airflow's comment stripping survives for "#": "?" stands in.
            escaped = re.sub(r"([*?\[\]!\\ ])", r"\\\1", bare).replace("#", "?")
            lines.append(f"/{escaped}/" if folder else f"/{escaped}")
    return "\n".join(lines) + "\n"
