"""Any fix data at any location of any Python source: refused with a reason or applied to
code that still parses, never an exception (hypothesmith generates the sources)."""

from __future__ import annotations

import ast

import hypothesmith
from codemod_cases import fix_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from migrator.codemods import Edit, apply_edits

from migrator.findings import Location

EDITS = st.sampled_from([
    ("replace-import", {"old": "a.b.C", "new": "x.y.D"}),
    ("rename-argument", {"old": "a", "new": "b"}),
    ("remove-argument", {"name": "a"}),
    ("days-ago", {"old": "airflow.utils.dates.days_ago"}),
    ("replace-context-key", {"old": "x", "new": "y"}),
    ("remove-decorator", {"name": "d"}),
    ("replace-class", {"old": "a.b.C", "new": "x.y.D", "rename_arguments": {"a": "b"}}),
])


@given(hypothesmith.from_grammar(), EDITS, st.integers(1, 40), st.integers(1, 60), st.integers(0, 3))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_fix_anywhere_is_applied_cleanly_or_refused(source, edit, line, column, height):
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return  # not a module CPython takes; the scanner reports those as MIG findings
    kind, params = edit
    location = Location(line, column, line + height, column + 5)
    result = apply_edits(source, [Edit(0, fix_of(kind, **params), location)])
    assert result.applied | set(result.refused) == {0}
    if result.applied:
        ast.parse(result.text)
    else:
        assert result.text == source and result.refused[0]
