""".airflowignore regexps from a hostile project never hang the tool (Airflow's RE2 does not).

``migrator.linear_regex`` searches the patterns Python's ``re`` could backtrack on; it must
agree with ``re`` on whether a pattern matches, and take linear time where ``re`` explodes.
"""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrator.airflowignore import parse_ignore_text
from migrator.linear_regex import LinearRegex, Unsupported, compile_safe, needs_linear_search

# Each of these runs for minutes to hours in ``re`` against the subject beside it.
CATASTROPHIC = [
    (r"(a+)+$", "a" * 60 + "!"),
    (r"^(x|x)*y", "x" * 60),
    (r"^(\w+\s?)*$", "word " * 20 + "!"),
    (r".*.*.*.*.*.*=", "a" * 400),
]


@pytest.mark.parametrize(("pattern", "subject"), CATASTROPHIC)
def test_patterns_that_backtrack_are_searched_in_linear_time(pattern, subject):
    assert needs_linear_search(pattern)
    compiled = compile_safe(pattern)
    assert isinstance(compiled, LinearRegex)
    started = time.perf_counter()
    assert compiled.search(subject) is None
    assert compiled.search(subject * 20) is None
    assert time.perf_counter() - started < 5


def test_a_hostile_ignore_file_is_parsed_and_matched_quickly():
    rules, warnings = parse_ignore_text("(a+)+$\n^(x|x)*y\nok\\.py\n", source="dags/.airflowignore",
                                        folder="", syntax="regexp")
    assert not warnings and len(rules) == 3
    started = time.perf_counter()
    assert not any(rule.matches("sub/" + "a" * 80 + "!.py", False) for rule in rules[:2])
    assert rules[2].matches("sub/ok.py", False)
    assert time.perf_counter() - started < 5


def test_what_re2_rejects_is_skipped_with_a_warning():
    rules, warnings = parse_ignore_text("(a+){1001}\n", source="dags/.airflowignore", folder="",
                                        syntax="regexp")
    assert rules == []
    assert "cannot be matched in linear time" in warnings[0].message


def test_simple_patterns_keep_using_re():
    for pattern in (r"^dags/tmp/", r"\.sql$", r"_test\.py", r"sub/.*\.pyc"):
        assert not needs_linear_search(pattern)
        assert isinstance(compile_safe(pattern), re.Pattern)


ATOMS = st.sampled_from(["a", "b", "ab", ".", "[ab]", "[^a]", r"\d", r"\w", r"\s", "x", "/", r"\."])
SUBJECT = st.text(alphabet="abx1 /._", max_size=12)


@st.composite
def patterns(draw, depth=0):
    """Small patterns built from atoms, groups, alternations, repetitions and anchors."""
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        if depth < 2 and draw(st.booleans()):
            inner = draw(patterns(depth + 1))
            if draw(st.booleans()):
                inner = inner + "|" + draw(patterns(depth + 1))
            part = f"({inner})"
        else:
            part = draw(ATOMS)
        part += draw(st.sampled_from(["", "", "*", "+", "?", "*?", "{1,2}", "{2}"]))
        parts.append(part)
    prefix = draw(st.sampled_from(["", "", "^", r"\A", "(?i)"])) if depth == 0 else ""
    suffix = draw(st.sampled_from(["", "", "$", r"\Z", r"\b"])) if depth == 0 else ""
    return prefix + "".join(parts) + suffix


@settings(max_examples=300, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(patterns(), SUBJECT)
def test_linear_search_agrees_with_re(pattern, subject):
    try:
        linear = LinearRegex(pattern)
    except Unsupported:
        return  # only constructs RE2 rejects too
    assert bool(linear.search(subject)) == bool(re.search(pattern, subject)), (pattern, subject)
