"""DAG files are read with the grammar of the target's Python, whatever Python runs the tool.

The suite runs on Python 3.11, whose ``ast`` rejects Python 3.12 syntax: for a 3.12 target
(MWAA 2.11 and 3.x) such a module is still analysed and fixed, with every finding where it is
in the file; for a 3.11 target (MWAA 2.10.3) the same syntax is reported as an error.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess

import pytest
from conftest import REPO, write_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libcst_grammar_oracle import newer_syntax
from migrator.compat import get_version

from migrator.analysis.grammar import parse_module
from migrator.analysis.grammar.rewrite import _newer_syntax
from migrator.config import Settings
from migrator.engine import scan
from migrator.fix import apply_plan, plan_fixes

# Python 3.12-only constructs, each complete on its own lines ({i}: the indentation of a body).
CONSTRUCTS = {
    "type alias": "type Pair = tuple[int, int]\n",
    "generic type alias": "type Pairs[T] = list[tuple[T, T]]\n",
    "generic function": "def first[T](items: list[T]) -> T:\n    return items[0]\n",
    "generic class": "class Box[T: (int, str), *Ts, **P]:\n    pass\n",
    "type parameters over lines": "def pick[\n    K,  # the key\n\n    V: int,\n](mapping: dict[K, V], key: K) -> V:\n    return mapping[key]\n",
    "f-string nested quotes": 'LABEL = f"{NAMES["a"]}-{NAMES["b"]!r:>{WIDTH}}"\n',
    "f-string backslash": "LINES = f\"{'\\n'.join(NAMES)}\"\n",
    "f-string comment": 'TOTAL = f"""{len(NAMES)  # how many\n}"""\n',
    "f-string over lines": 'SUM = f"{len(NAMES) +\n   WIDTH}"\n',
    "nested f-strings": 'DEEP = f"{f"{f"{WIDTH}"}"}"\n',
    "concatenated f-string": 'MIXED = ("plain " f"{NAMES["a"]}" \'tail\')\n',
}
HEADER = ("from airflow import DAG\nfrom airflow.utils.dates import days_ago\n\n"
          'NAMES = {"a": "x", "b": "y"}\nWIDTH = 4\n')
# A finding after the constructs (same line and next line), and one inside a rewritten f-string.
TAIL = ('CHECK = f"{days_ago(1)  # inside a 3.12 f-string\n}"; dag = DAG("d", schedule_interval="@daily")\n'
        'other = DAG("e", schedule_interval="@hourly")\n')


def expected_positions(text: str) -> dict[str, set[tuple[int, int]]]:
    """Where the tail's findings must be: (line, column) of each flagged text."""
    lines = text.split("\n")

    def where(needle: str) -> set[tuple[int, int]]:
        return {(number, line.index(needle) + 1) for number, line in enumerate(lines, 1) if needle in line}

    return {"API003": where("schedule_interval"), "API006": where("days_ago(1)")}


@settings(max_examples=25, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(sorted(CONSTRUCTS)), min_size=1, max_size=4))
def test_findings_after_and_inside_python_312_syntax_are_exact_for_a_312_target(tmp_path_factory, chosen):
    text = HEADER + "".join(CONSTRUCTS[name] for name in chosen) + TAIL
    root = write_files(tmp_path_factory.mktemp("py312"), {"dags/etl.py": text})
    findings = scan(root, Settings(), get_version("3.3.1"), use_cache=False).all_findings
    assert not [f for f in findings if f.rule.startswith("MIG")], [f.message for f in findings]
    found = {rule: {(f.location.line, f.location.column) for f in findings if f.rule == rule}
             for rule in ("API003", "API006")}
    assert found == expected_positions(text)


@pytest.mark.parametrize("name", sorted(CONSTRUCTS))
def test_python_312_syntax_is_an_error_for_a_311_target(make_project, name):
    root = make_project({"dags/etl.py": HEADER + CONSTRUCTS[name] + TAIL})
    findings = scan(root, Settings(), get_version("2.10.3"), use_cache=False).all_findings
    errors = [f for f in findings if f.rule == "MIG001"]
    assert len(errors) == 1, [f.message for f in findings]
    assert "is Python 3.12 syntax; the target runs Python 3.11" in errors[0].message
    assert errors[0].location.line == HEADER.count("\n") + 1


@settings(max_examples=200, derandomize=True, deadline=None, database=None)
@given(st.lists(st.sampled_from(sorted(CONSTRUCTS)), min_size=1, max_size=5),
       st.sampled_from(["", "    "]))
def test_rewriting_for_the_older_grammar_moves_no_name(chosen, indent):
    """Every name the rewritten text holds is at the line and column where the source has it."""
    body = "".join(CONSTRUCTS[name] for name in chosen) + TAIL
    if indent:
        body = "class Holder:\n" + "".join(indent + line if line.strip() else line
                                           for line in body.splitlines(keepends=True))
    text = HEADER + body
    tree = parse_module(text, "dags/etl.py", (3, 12))
    lines = text.split("\n")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            line = lines[node.lineno - 1]
            assert line[node.col_offset:node.end_col_offset] == node.id, (node.id, node.lineno, line)


def test_fix_fixes_a_312_module_and_the_result_parses_for_the_target(tmp_path):
    text = HEADER.replace("airflow.utils.dates import days_ago", "airflow.operators.bash_operator import BashOperator") \
        + "".join(CONSTRUCTS.values()) + 'dag = DAG("d", schedule_interval="@daily")\nBashOperator(task_id="t")\n'
    root = write_files(tmp_path / "project", {"dags/etl.py": text})
    target = get_version("3.3.1")
    plan = plan_fixes(root, Settings(), target)
    apply_plan(root, plan)
    fixed = (root / "dags" / "etl.py").read_text()
    assert "schedule=" in fixed and "airflow.providers.standard.operators.bash" in fixed
    for construct in CONSTRUCTS.values():
        assert construct in fixed  # untouched
    parse_module(fixed, "dags/etl.py", (3, 12))
    rules = {f.rule for f in scan(root, Settings(), target, use_cache=False).findings}
    assert not rules & {"API001", "API003", "MIG001"}


def _python_312_or_newer() -> str | None:
    for name in ("python3.14", "python3.13", "python3.12"):
        path = shutil.which(name)
        if path and subprocess.run([path, "-c", "import sys; assert sys.version_info >= (3, 12)"],
                                   capture_output=True, check=False).returncode == 0:
            return path
    return None


def test_on_a_newer_host_312_syntax_is_still_an_error_for_a_311_target():
    """The grammar package on Python 3.12+ (``ast``'s feature_version and the 3.12 tokenizer);
    it needs only the standard library there (importing ``migrator`` loads nothing else)."""
    python = _python_312_or_newer()
    if python is None:
        pytest.skip("no Python 3.12 or newer interpreter on PATH (an optional tool for this test)")
    script = (
        "import json, sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from migrator.analysis import grammar\n"
        "result = {}\n"
        "for name, text in json.loads(sys.argv[2]).items():\n"
        "    grammar.parse_module(text, 'x.py', (3, 12))\n"
        "    try:\n"
        "        grammar.parse_module(text, 'x.py', (3, 11))\n"
        "        result[name] = None\n"
        "    except SyntaxError as error:\n"
        "        result[name] = error.msg\n"
        "print(json.dumps(result))\n")
    modules = {name: HEADER + construct for name, construct in CONSTRUCTS.items()}
    modules["3.11 f-strings"] = HEADER + "A = f\"{NAMES['a']!r:>{WIDTH}}\"\nB = f'''{\nWIDTH}'''\n"
    proc = subprocess.run([python, "-c", script, str(REPO / "src"), json.dumps(modules)],
                          capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)
    assert result.pop("3.11 f-strings") is None
    assert all(result.values()), result



# -- the scan against LibCST's tree -----------------------------------------------------------------

EXPRESSIONS = ["x", "d['k']", 'd["k"]', "f(1, 2)", "'\\n'.join(a)", "x  # note\n", "a +\n b", "(lambda: 1)()",
               "x,", "y == 1", "a != b", "[i for i in a]", "{'k': 1}['k']", "r'\\d'"]


@st.composite
def fstrings(draw, depth: int = 0) -> str:
    prefix = draw(st.sampled_from(["f", "rf", "F"]))
    quote = draw(st.sampled_from(['"', "'", '"""', "'''"]))
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(["a", " ", "{{", "}}", "\\n", "#", ":"])))
            continue
        expression = draw(fstrings(depth + 1)) if depth < 2 and draw(st.integers(0, 4)) == 0 \
            else draw(st.sampled_from(EXPRESSIONS))
        suffix = draw(st.sampled_from(["", "=", "!r", ":>10", ":{w}", "=!s:^{w}"]))
        parts.append("{" + expression + suffix + "}")
    return prefix + quote + "".join(parts) + quote


@st.composite
def modules(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["string", "concatenation", "construct"]))
        if kind == "construct":
            lines.append(CONSTRUCTS[draw(st.sampled_from(sorted(CONSTRUCTS)))])
        elif kind == "string":
            lines.append(f"value = {draw(fstrings())}\n")
        else:
            lines.append(f"value = ({draw(fstrings())}\n    'plain' {draw(fstrings())})\n")
    return "".join(lines)


@settings(max_examples=1500, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(modules())
def test_the_scan_finds_and_rewrites_what_libcst_does(text):
    expected = newer_syntax(text)
    if expected is None:
        return  # not Python 3.12 (the generator can write a quote that ends a string early)
    found = _newer_syntax(text)
    assert found is not None, text
    assert (sorted((c.what, c.line, c.column) for c in found.constructs), found.rewritten) == expected, text
