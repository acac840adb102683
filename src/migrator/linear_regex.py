"""Regular-expression search in time linear in the subject, for patterns from project files.

Airflow matches ``.airflowignore`` lines with RE2, which never backtracks. Python's ``re``
backtracks: a line such as ``(a+)+$`` makes it run for hours on a long file name, so a hostile
or careless ignore file would hang the tool where Airflow does not. Patterns that can backtrack
badly (a repetition inside a repetition, an alternation under a repetition, or two
repetitions in a row) are searched here instead, with a Pike VM (Russ Cox, "Regular Expression
Matching: the Virtual Machine Approach") over the parse tree of Python's own regex parser: every
position is visited once with the set of live program states, so a search costs at most
len(subject) x len(program) steps. Other patterns keep using ``re``, which is faster on them.

Only whether a pattern matches is computed (no groups). Lookaround and backreferences are not
supported (RE2 rejects them too); neither are repetition counts above RE2's limit of 1000.
"""

from __future__ import annotations

import re
import re._constants as sre  # the opcodes of the parse tree ``re._parser`` returns
import re._parser as sre_parse
from dataclasses import dataclass
from typing import Any

# RE2's limit on a counted repetition ({n,m}); larger counts are an error there.
MAX_REPEAT_COUNT = 1000
# A program this long (counted repetitions unrolled) is refused rather than run.
MAX_PROGRAM = 20_000


class Unsupported(ValueError):
    """The pattern uses a construct this engine (and RE2) does not run."""


def needs_linear_search(pattern: str, flags: int = 0) -> bool:
    """Whether ``re`` could backtrack super-linearly on ``pattern`` (see the module doc), or
    uses a repetition count RE2 rejects (the linear engine refuses it with the reason)."""
    try:
        tree = sre_parse.parse(pattern, flags)
    except (re.error, RecursionError, OverflowError):
        return False  # compiling with ``re`` reports the problem
    repeats = 0
    risky = False

    def visit(items, inside_repeat: bool) -> None:
        nonlocal repeats, risky
        for op, arg in items:
            if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
                low, high, body = arg
                unbounded = high is sre.MAXREPEAT
                if low > MAX_REPEAT_COUNT or (not unbounded and high > MAX_REPEAT_COUNT):
                    risky = True  # RE2 rejects the count; the linear engine says so
                if high != low:
                    repeats += 1
                    if inside_repeat:
                        risky = True
                visit(body, inside_repeat or unbounded or high > 1)
            elif op is sre.BRANCH:
                if inside_repeat:
                    risky = True
                for branch in arg[1]:
                    visit(branch, inside_repeat)
            elif op in (sre.SUBPATTERN, sre.ATOMIC_GROUP):
                visit(arg[-1] if op is sre.SUBPATTERN else arg, inside_repeat)

    visit(tree, False)
    return risky or repeats >= 2


@dataclass(frozen=True)
class _Char:
    test: Any  # callable(str) -> bool


@dataclass(frozen=True)
class _Split:
    first: int
    second: int


@dataclass(frozen=True)
class _Jump:
    to: int


@dataclass(frozen=True)
class _At:
    where: Any  # an AT_* code


class _Match:
    pass


_WORD = re.compile(r"\w")


class LinearRegex:
    """A compiled pattern whose ``search`` never backtracks (``re.Pattern``-like for that use)."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        tree = sre_parse.parse(pattern, flags)
        self._ignore_case = bool(tree.state.flags & sre.SRE_FLAG_IGNORECASE)
        self._dot_all = bool(tree.state.flags & sre.SRE_FLAG_DOTALL)
        self._multiline = bool(tree.state.flags & sre.SRE_FLAG_MULTILINE)
        self._program: list[Any] = []
        self._emit_sequence(tree)
        self._program.append(_Match())

    # -- compiling ------------------------------------------------------------------------------

    def _add(self, instruction: Any) -> int:
        if len(self._program) >= MAX_PROGRAM:
            raise Unsupported("pattern is too large")
        self._program.append(instruction)
        return len(self._program) - 1

    def _emit_sequence(self, items) -> None:
        for op, arg in items:
            self._emit(op, arg)

    def _emit(self, op, arg) -> None:
        if op is sre.LITERAL:
            self._add(_Char(self._literal(arg, negate=False)))
        elif op is sre.NOT_LITERAL:
            self._add(_Char(self._literal(arg, negate=True)))
        elif op is sre.ANY:
            self._add(_Char((lambda c: True) if self._dot_all else (lambda c: c != "\n")))
        elif op is sre.IN:
            self._add(_Char(self._charset(arg)))
        elif op is sre.AT:
            self._add(_At(arg))
        elif op is sre.SUBPATTERN:
            _group, add_flags, del_flags, body = arg
            if add_flags or del_flags:
                raise Unsupported("scoped inline flags")
            self._emit_sequence(body)
        elif op is sre.ATOMIC_GROUP:
            self._emit_sequence(arg)  # match/no-match is the same without backtracking
        elif op is sre.BRANCH:
            self._emit_branch(arg[1])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
            self._emit_repeat(*arg)
        else:
            raise Unsupported(f"{op} is not supported")

    def _emit_branch(self, branches) -> None:
        jumps = []
        for index, branch in enumerate(branches):
            if index < len(branches) - 1:
                split = self._add(_Split(0, 0))
                self._program[split] = _Split(split + 1, -1)
                self._emit_sequence(branch)
                jumps.append(self._add(_Jump(-1)))
                self._program[split] = _Split(split + 1, len(self._program))
            else:
                self._emit_sequence(branch)
        for jump in jumps:
            self._program[jump] = _Jump(len(self._program))

    def _emit_repeat(self, low: int, high, body) -> None:
        unbounded = high is sre.MAXREPEAT
        if low > MAX_REPEAT_COUNT or (not unbounded and high > MAX_REPEAT_COUNT):
            raise Unsupported(f"repetition count over {MAX_REPEAT_COUNT}")
        for _ in range(low):
            self._emit_sequence(body)
        if unbounded:
            loop = self._add(_Split(0, 0))
            self._emit_sequence(body)
            self._add(_Jump(loop))
            self._program[loop] = _Split(loop + 1, len(self._program))
            return
        splits = []
        for _ in range(high - low):
            splits.append(self._add(_Split(0, 0)))
            self._emit_sequence(body)
        for split in splits:
            self._program[split] = _Split(split + 1, len(self._program))

    def _literal(self, code: int, negate: bool):
        char = chr(code)
        if self._ignore_case:
            folded = char.casefold()
            return (lambda c: c.casefold() != folded) if negate else (lambda c: c.casefold() == folded)
        return (lambda c: c != char) if negate else (lambda c: c == char)

    def _charset(self, items):
        negate = False
        tests = []
        for op, arg in items:
            if op is sre.NEGATE:
                negate = True
            elif op is sre.LITERAL:
                tests.append(self._literal(arg, negate=False))
            elif op is sre.RANGE:
                low, high = arg
                if self._ignore_case:
                    tests.append(lambda c, lo=low, hi=high: any(
                        lo <= ord(v) <= hi for v in {c, c.lower(), c.upper()}))
                else:
                    tests.append(lambda c, lo=low, hi=high: lo <= ord(c) <= hi)
            elif op is sre.CATEGORY:
                tests.append(_category(arg))
            else:
                raise Unsupported(f"{op} in a character class is not supported")
        if negate:
            return lambda c: not any(test(c) for test in tests)
        return lambda c: any(test(c) for test in tests)

    # -- running --------------------------------------------------------------------------------

    def _at(self, where, text: str, position: int) -> bool:
        size = len(text)
        if where in (sre.AT_BEGINNING_STRING,) or (where is sre.AT_BEGINNING and not self._multiline):
            return position == 0
        if where is sre.AT_BEGINNING:
            return position == 0 or text[position - 1] == "\n"
        if where is sre.AT_END_STRING:
            return position == size
        if where is sre.AT_END:
            if self._multiline:
                return position == size or text[position] == "\n"
            return position == size or (position == size - 1 and text[position] == "\n")
        before = position > 0 and bool(_WORD.match(text[position - 1]))
        after = position < size and bool(_WORD.match(text[position]))
        if where is sre.AT_BOUNDARY:
            return before != after
        if where is sre.AT_NON_BOUNDARY:
            return before == after
        raise Unsupported(f"{where} is not supported")

    def _closure(self, start: int, text: str, position: int, into: list[int], seen: set[int]) -> bool:
        """Add the states reachable from ``start`` without consuming; True when one matches."""
        stack = [start]
        while stack:
            pc = stack.pop()
            if pc in seen:
                continue
            seen.add(pc)
            instruction = self._program[pc]
            if isinstance(instruction, _Match):
                return True
            if isinstance(instruction, _Jump):
                stack.append(instruction.to)
            elif isinstance(instruction, _Split):
                stack.append(instruction.second)
                stack.append(instruction.first)
            elif isinstance(instruction, _At):
                if self._at(instruction.where, text, position):
                    stack.append(pc + 1)
            else:
                into.append(pc)
        return False

    def search(self, text: str) -> bool | None:
        """True when the pattern matches somewhere in ``text``, else None (like ``re``)."""
        current: list[int] = []
        seen: set[int] = set()
        for position in range(len(text) + 1):
            if self._closure(0, text, position, current, seen):  # a match may start here
                return True
            if position == len(text):
                break
            char = text[position]
            following: list[int] = []
            next_seen: set[int] = set()
            for pc in current:
                if self._program[pc].test(char) and self._closure(pc + 1, text, position + 1,
                                                                  following, next_seen):
                    return True
            current, seen = following, next_seen
        return None


def _category(code):
    tests = {
        sre.CATEGORY_DIGIT: str.isdecimal,
        sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
        sre.CATEGORY_SPACE: str.isspace,
        sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
        sre.CATEGORY_WORD: lambda c: bool(_WORD.match(c)),
        sre.CATEGORY_NOT_WORD: lambda c: not _WORD.match(c),
    }
    if code not in tests:
        raise Unsupported(f"{code} is not supported")
    return tests[code]


def compile_safe(pattern: str, flags: int = 0):
    """``re.compile(pattern)``, or a :class:`LinearRegex` when ``re`` could backtrack badly.

    Raises ``re.error`` for an invalid pattern and :class:`Unsupported` for a risky one this
    engine cannot run (the caller treats it as a pattern Airflow's RE2 rejects).
    """
    compiled = re.compile(pattern, flags)
    if needs_linear_search(pattern, flags):
        return LinearRegex(pattern, flags)
    return compiled
