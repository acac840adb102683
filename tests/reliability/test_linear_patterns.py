"""Every regular expression of the tool runs in time linear in what it reads.

Python's ``re`` retries a search at every position of the subject, so a pattern that scans to the
end of a run from each start (``\\{\\{.*?\\}\\}`` over ``{{{{...``, ``\\s*#`` over spaces,
``[a-z][a-z0-9.]*://`` over ``a.a.a...``) takes time quadratic in the run, and a project file can
hold megabyte-long runs. Each pattern any module of the tool defines is searched here in subjects
built from its own literal characters, repeated to a run far longer than real input has: a
linear pattern takes milliseconds on each, a quadratic one minutes. The bound is a guard with
ample headroom, not a benchmark. (Patterns built at run time from project files go through
``migrator.linear_regex``; tests/reliability/test_linear_regex.py covers those.)
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import re._constants as sre
import re._parser as sre_parse
import time

import migrator.codemods
import pytest

import migrator

RUN = 50_000  # characters: a quadratic pattern needs ~RUN**2 / 2 steps (seconds)
BOUND = 0.5  # seconds for one search through one subject; a linear pattern needs milliseconds
# Characters any pattern may meet in bulk, besides its own literals.
GENERIC = ["a", "A", "1", " ", "\n", "\t", ".", "/", "_", "-", "\\"]


def module_patterns() -> dict[str, re.Pattern]:
    found = {}
    # The codemods live in a folder of their own that installs as migrator.codemods: not below
    # migrator's own folder, so they are walked apart.
    packages = [(migrator.__path__, "migrator."), (migrator.codemods.__path__, "migrator.codemods.")]
    infos = [info for path, prefix in packages for info in pkgutil.walk_packages(path, prefix)]
    for info in infos:
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and getattr(module, name) is value:
                found.setdefault(f"{info.name}.{name}", value)
    return found


def literal_runs(pattern: str | bytes, flags: int) -> list[str]:
    """The literal strings a pattern spells (``-----BEGIN `` , ``://``, ``{{``) and its single
    literal characters (those of character classes too)."""
    runs: list[str] = []
    singles: set[str] = set()

    def visit(items) -> None:
        current = ""
        for op, arg in items:
            if op is sre.LITERAL:
                current += chr(arg)
                singles.add(chr(arg))
                continue
            if current:
                runs.append(current)
                current = ""
            if op is sre.IN:
                singles.update(chr(a) for o, a in arg if o is sre.LITERAL)
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                visit(arg[2])
            elif op is sre.SUBPATTERN:
                visit(arg[-1])
            elif op is sre.BRANCH:
                for branch in arg[1]:
                    visit(branch)
            elif op in (sre.ASSERT, sre.ASSERT_NOT):
                visit(arg[1])
        if current:
            runs.append(current)

    text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    visit(sre_parse.parse(text, flags & ~re.UNICODE if isinstance(pattern, bytes) else flags))
    return sorted(set(runs) | singles)


def subjects(pattern: re.Pattern) -> list[str | bytes]:
    """Long runs of one unit (a literal, a literal and a letter or space, a generic character),
    alone and after the pattern's longest literal runs: where a search retried at each
    position would rescan the run."""
    literals = literal_runs(pattern.pattern, pattern.flags)
    units = sorted({*literals, *GENERIC, *(a + b for a in literals[:8] for b in ("a", " "))})
    prefixes = ["", "a", *sorted((run for run in literals if len(run) > 1), key=len)[-2:]]
    texts = [prefix + unit * (RUN // len(unit)) for unit in units for prefix in prefixes]
    if isinstance(pattern.pattern, bytes):
        return [text.encode("latin-1", "replace") for text in texts]
    return texts


PATTERNS = module_patterns()


def test_the_tool_defines_patterns_to_check():
    assert len(PATTERNS) > 50


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_pattern_is_linear_on_long_runs(name):
    pattern = PATTERNS[name]
    for subject in subjects(pattern):
        started = time.perf_counter()
        for _ in pattern.finditer(subject):
            pass
        took = time.perf_counter() - started
        assert took < BOUND, f"{name} /{pattern.pattern!r}/ took {took:.1f}s on {subject[:30]!r}..."
