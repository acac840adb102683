"""The fix pass's fast paths against what they stand in for, LibCST itself, as the oracle.

- ``_imports.add_imports`` must write what LibCST's ``AddImportsVisitor`` writes.
- The layout (``_Layout``) must give every node the range LibCST's ``PositionProvider`` gives and
  the parent its ``ParentNodeProvider`` gives, and each statement the lines its code spans.
- The ``ast`` census (``_bindings``) answers binding questions without a scope analysis: for
  every name it calls import-only, LibCST's scope analysis must find exactly that import
  binding it, with exactly the uses the planner collects; and every qualified name the
  planner gives must equal the scope analysis' answer.

Sources: the example project's DAGs and helpers, hand-written corner cases, and hypothesmith.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from codemod_cases import fix_of
from conftest import EXAMPLE_PROJECT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import (
    Assignment,
    MetadataWrapper,
    ParentNodeProvider,
    PositionProvider,
    ScopeProvider,
)
from migrator.codemods import Edit, apply_edits
from migrator.codemods._bindings import ModuleBindings
from migrator.codemods._helpers import quote_counts
from migrator.codemods._imports import add_imports, top_level_statements
from migrator.codemods._layout import lines_with_ends
from migrator.codemods._pass import FixCommand
from migrator.codemods._planner import Planner

from migrator import codemods as codemods_package
from migrator.findings import Location

CORNER_CASES = [
    "",
    '"""Docstring."""\n',
    '"""Docstring."""\nimport os\n# a comment above\nx = 1\n',
    "__strict__ = True\nfrom a import b\n\nprint(b)\n",
    "from a import b, c as d\nfrom e import *\nimport f.g\nimport h as i\n\n\ndef k():\n    pass\n",
    "# header comment\n\nfrom a import (\n    b,  # why\n)\nx = b\n",
    "from . import rel\nfrom a.b import c\n\nc()\n",
    "import os\nif os:\n    from a import b\nb()\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from a import B\nx: \"B\" = None\n",
    "from a import B\n__all__ = [\"B\"]\n",
    "from a import B\n\ndef f(B):\n    return B\n\nclass C(B):\n    B = B\n",
    "from a import B\nfrom c import B\nB()\n",
    "from a import B\nx = B.y.z(B)\ny = obj.B\nf(B=1)\ndel B\n",
    "from a import B\nx = [B for B in range(3)]\nz = f'{B}'\n",
    "from a import B as C\nimport d.e as F\n\n@C\ndef g(x: C = C) -> F.G:\n    global H\n    return F.e.h\n",
    "from a import B\ntry:\n    pass\nexcept B as E:\n    pass\nmatch x:\n    case {'k': B, **rest}:\n        pass\n",
]

REQUESTS = [
    ("a", "b"), ("a", "z"), ("x.y", "Z"), ("pendulum", None), ("os", None), ("d.e", None), ("f.g", None),
    ("e", "anything"), ("airflow.providers.standard.operators.empty", "EmptyOperator"), ("a", "c"),
]


def example_sources() -> list[str]:
    return [p.read_text() for p in sorted(Path(EXAMPLE_PROJECT).rglob("*.py"))]


def parses(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
        cst.parse_module(source)
    except Exception:  # noqa: BLE001 (any refusal means the source is out of scope here)
        return False
    return True


# -- imports --------------------------------------------------------------------------------------


def libcst_add_imports(module: cst.Module, requests) -> str:
    context = CodemodContext()
    for module_path, name in requests:
        AddImportsVisitor.add_needed_import(context, module_path, name)
    return module.visit(AddImportsVisitor(context)).code


@pytest.mark.parametrize("source", CORNER_CASES + example_sources()[:6])
@pytest.mark.parametrize("requests", [REQUESTS[:1], REQUESTS[1:4], REQUESTS[4:7], REQUESTS, REQUESTS[::-1]])
def test_add_imports_writes_what_libcst_writes(source, requests):
    module = cst.parse_module(source)
    assert add_imports(module, requests).code == libcst_add_imports(module, requests)


@given(st.sampled_from(CORNER_CASES), st.lists(st.sampled_from(REQUESTS), min_size=1, max_size=5))
@settings(max_examples=150, deadline=None)
def test_add_imports_matches_libcst_for_any_request_mix(source, requests):
    module = cst.parse_module(source)
    assert add_imports(module, requests).code == libcst_add_imports(module, requests)


def test_the_oracle_can_disagree():
    """The comparison is not vacuous: a wrong placement shows up."""
    module = cst.parse_module("import os\n\nx = 1\n")
    wrong = module.with_changes(body=[*module.body, cst.parse_statement("import pendulum\n")])
    assert wrong.code != libcst_add_imports(module, [("pendulum", None)])


# -- bindings -------------------------------------------------------------------------------------


def planner_for(source: str) -> tuple[Planner, cst.Module]:
    module = cst.parse_module(source)
    return Planner(FixCommand(source, [], {}, order=lambda e: 0), module), module


def check_census_against_scope(source: str) -> int:
    """Compare every fast answer with the scope analysis; returns how many were compared."""
    planner, module = planner_for(source)
    census = planner.bindings
    if census is None:
        return 0
    scopes = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    compared = 0
    for local, qualname in census.import_only.items():
        every = [a for scope in set(scopes.values()) if scope is not None for a in scope.assignments[local]]
        assert len({id(a.node) for a in every}) == 1, f"{local!r} is bound more than once"
        binding = every[0]
        assert isinstance(binding, Assignment) and isinstance(binding.node, (cst.Import, cst.ImportFrom))
        assert binding.node is planner._top_level_import(local)
        assert {q.name for q in binding.get_qualified_names_for(local)} == {qualname}
        assert {id(n) for n in planner._uses(local)} == {id(a.node) for a in binding.references}, local
        compared += 1
    planner.layout.everything()
    for node in planner.layout.positions:  # the tree's nodes (string annotations parse to others)
        scope = scopes.get(node)
        if scope is None or not isinstance(node, (cst.Name, cst.Attribute)):
            continue
        expected = {q.name for q in scope.get_qualified_names_for(node)}
        assert planner.qualnames(node) == expected, (cst.Module([]).code_for_node(node), expected)
        compared += 1
    assert planner.all_names() >= {a.name.split(".")[0] for s in set(scopes.values()) if s for a in s.assignments}
    return compared


# -- layout ---------------------------------------------------------------------------------------


def check_layout_against_providers(source: str) -> int:
    planner, module = planner_for(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions, parents = wrapper.resolve(PositionProvider), wrapper.resolve(ParentNodeProvider)
    # Asked first, before anything is laid out: what an unused import's removal asks of a
    # statement it found in the module's body (only its own statement is laid out then).
    for line in top_level_statements(module.body):
        for small in line.body:
            assert planner.parent(small) is parents[small]
    planner.layout.everything()
    ranges = planner.layout.positions

    def in_body(node: cst.CSTNode) -> bool:  # the header's and footer's comments are not laid out
        while parents[node] is not module:
            node = parents[node]
        return any(node is statement for statement in module.body)

    laid_out = {node: expected for node, expected in positions.items() if node is not module and in_body(node)}
    assert set(ranges) == set(laid_out)
    for node, expected in laid_out.items():
        assert ranges[node] == ((expected.start.line, expected.start.column),
                                (expected.end.line, expected.end.column)), cst.Module([]).code_for_node(node)
        assert planner.parent(node) is parents[node]
    assert [planner.layout.span(index) for index in range(len(module.body))] == counted_spans(module)
    return len(ranges)


def counted_spans(module: cst.Module) -> list[tuple[int, int]]:
    spans, line = [], 1 + len(module.header)
    for statement in module.body:
        end = line + len(re.findall(r"\r\n?|\n", module.code_for_node(statement)))
        spans.append((line, end))
        line = end
    return spans


def check_spans_of_the_parsed_top(source: str) -> int:
    """Where only the top of the file is parsed (a placeholder stands in for the rest), the
    spans the census gives are the statements' counted lines, wherever the cut falls."""
    census = ModuleBindings.of(source)
    if census is None:
        return 0
    lines = lines_with_ends(source)
    compared = 0
    for cut in sorted({first for first, _ in census.statements[1:]}):
        rest = "".join(lines[cut - 1:])
        module = cst.parse_module("".join(lines[:cut - 1]) + codemods_package._REST_OF_FILE)
        planner = Planner(FixCommand(source, [], {}, order=lambda e: 0, census=census, rest=rest, cut=cut), module)
        assert planner.layout._spans == counted_spans(module), cut
        compared += 1
    return compared


ORACLES = [check_census_against_scope, check_layout_against_providers, check_spans_of_the_parsed_top]


@pytest.mark.parametrize("check", ORACLES)
@pytest.mark.parametrize("source", CORNER_CASES + example_sources())
def test_census_and_layout_match_libcst(check, source):
    check(source)


@pytest.mark.parametrize(("source", "census"), [
    ("caf\u00e9 = 1\n", True),  # already NFKC: ast and LibCST spell it alike
    ("# \u2014 a dash in a comment\nx = 1\n", True),
    ("\ufb01le = 1\n", False),  # the ligature is "fi" to ast
    ("cafe\u0301 = 1\n", False),  # a combining accent (not \w) composes under NFKC
    ("x = '" + "a" * 50_000 + "'  # \u00e9\n", True),  # a long ASCII run beside a non-ASCII word
])
def test_the_census_steps_aside_where_ast_spells_a_name_otherwise(source, census):
    assert (ModuleBindings.of(source) is not None) is census


def test_the_example_exercises_the_census_and_the_layout():
    assert sum(check_census_against_scope(s) for s in example_sources()) > 500
    assert sum(check_layout_against_providers(s) for s in example_sources()) > 5_000
    assert sum(check_spans_of_the_parsed_top(s) for s in example_sources()) > 100


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles odd code
@given(st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node()))
@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
def test_census_and_layout_match_libcst_on_generated_modules(source):
    if parses(source):
        for check in ORACLES:
            check(source)


# -- the quote style new code follows --------------------------------------------------------

QUOTE_CASES = [
    "x = 'a'\ny = \"b\"\n",
    "x = f'{y[\"k\"]}' + rb'q' + Rb\"q\" + u'u' + fr\"{x}\" + F'z'\n",
    "x = '''it's\n\"quoted\"\n''' + \"\"\"'\"\"\" + ''\n",
    "x = 1 if'a'else\"b\"  # a 'comment' with \"quotes\"\n",
    "x = 'a\\\nb' + \"c\\\"d\" + 'e\\\\'\n",
    "x = 'a\\\r\nb'\r\ny = \"\"\r\n",
    "s = \"#\" + '#'  # 'x'\n",
]


def tokenizer_quote_counts(source: str) -> tuple[int, int]:
    """What the tokens say: one-line string tokens, f-strings aside, by their opening quote."""
    single = double = 0
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING:
            body = token.string.lstrip("rRbBuU")
            if body[:1] in ("'", '"') and body[:3] not in ("'''", '"""'):
                single += body[0] == "'"
                double += body[0] == '"'
    return single, double


@pytest.mark.parametrize("source", QUOTE_CASES + CORNER_CASES + example_sources())
def test_quote_counts_are_the_tokens(source):
    assert quote_counts(source) == tokenizer_quote_counts(source)


def test_the_quote_cases_count_both_quotes():
    single, double = (sum(counts) for counts in zip(*map(quote_counts, QUOTE_CASES), strict=True))
    assert single >= 8 and double >= 6


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles odd code
@given(hypothesmith.from_grammar())
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
def test_quote_counts_are_the_tokens_on_generated_modules(source):
    if parses(source):
        assert quote_counts(source) == tokenizer_quote_counts(source)


# -- printing -------------------------------------------------------------------------------------

NEWLINE_VARIANTS = [
    "import os\r\nx = 1\r\n\r\ndef f():\r\n    return x\r\n",
    "import os\rx = 1\r# end\r",
    "import os\nx = 1\n# no newline at the end",
    "import os\nx = 1",
    "# only a comment\n",
]


def check_spliced_printing(source: str) -> int:
    """Every way of changing, dropping or adding one top-level statement prints as LibCST does."""
    module = cst.parse_module(source)
    if module.code != source:
        return 0  # LibCST does not print this source back as it was (a lone \r before the end): no oracle
    new_statement = cst.parse_statement("pass\n")
    variants = [module.with_changes(body=[*module.body, new_statement])]
    for index in range(len(module.body)):
        body = list(module.body)
        variants.append(module.with_changes(body=[*body[:index], new_statement, *body[index + 1:]]))
        variants.append(module.with_changes(body=[*body[:index], *body[index + 1:]]))
        variants.append(module.with_changes(body=[*body[:index], new_statement, *body[index:]]))
        # Two changes apart: the statements between them are copied, not printed.
        variants.append(module.with_changes(body=[new_statement, *body[1:index], new_statement, *body[index + 1:]]))
        variants.append(module.with_changes(body=[*body[:index], new_statement, *body[index:-1], new_statement]))
    for variant in [module, *variants]:
        planner, _ = planner_for(source)
        planner.layout.module = module  # the layout of the module the variants were made from
        assert planner.layout.code_of(variant, source) == variant.code
    return len(variants)


@pytest.mark.parametrize("source", CORNER_CASES + NEWLINE_VARIANTS + example_sources())
def test_spliced_printing_matches_libcst(source):
    check_spliced_printing(source)


@pytest.mark.parametrize("source", NEWLINE_VARIANTS)
def test_layout_matches_libcst_whatever_the_newlines(source):
    check_layout_against_providers(source)


def test_the_spans_of_a_whole_module_come_from_the_census():
    """The layout's spans are known before any statement's lines are counted (``ast`` gives
    each statement's first line): what the oracles above hold to LibCST's own counts."""
    sources = CORNER_CASES + NEWLINE_VARIANTS + example_sources()
    known = [s for s in sources if len(planner_for(s)[0].layout._spans) == len(cst.parse_module(s).body) > 1]
    assert len(known) >= len(sources) - 6


def test_the_printing_oracle_runs_on_most_sources():
    sources = CORNER_CASES + NEWLINE_VARIANTS + example_sources()
    assert sum(check_spliced_printing(s) > 0 for s in sources) >= len(sources) - 2


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles odd code
@given(hypothesmith.from_grammar())
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_spliced_printing_matches_libcst_on_generated_modules(source):
    if parses(source):
        check_spliced_printing(source)


# -- parsing only the top of the file -------------------------------------------------------------


def whole_file_result(monkeypatch, text, edits):
    with monkeypatch.context() as patched:
        patched.setattr(codemods_package, "_prefix_end", lambda census, edits: None)
        return apply_edits(text, edits)


def real_edits() -> list[tuple[str, list[Edit]]]:
    """The example project's own fixes, file by file, as ``migrator fix`` plans them (3.3.1)."""
    from migrator.cli.options import resolve_target
    from migrator.config import load_settings
    from migrator.engine import scan
    from migrator.findings import FixScope
    from migrator.fix import _edits

    root = Path(EXAMPLE_PROJECT)
    settings = load_settings(root).with_overrides(target="3.3.1")
    result = scan(root, settings, resolve_target(settings), jobs=1, use_cache=False)
    by_path: dict[str, list] = {}
    for finding in result.findings:
        if finding.path.endswith(".py"):
            by_path.setdefault(finding.path, []).append(finding)
    return [((root / path).read_text(), _edits(findings, FixScope.ALL))
            for path, findings in sorted(by_path.items())]


def test_top_of_file_fixes_equal_whole_file_fixes(monkeypatch):
    compared = cut = 0
    for text, edits in real_edits():
        if not edits:
            continue
        census = ModuleBindings.of(text)
        cut += census is not None and codemods_package._prefix_end(census, edits) is not None
        fast, whole = apply_edits(text, edits), whole_file_result(monkeypatch, text, edits)
        assert (fast.text, fast.applied, fast.refused) == (whole.text, whole.applied, whole.refused)
        compared += 1
    assert compared >= 10 and cut >= 3  # the example has files whose fixes stop near the top


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles odd code
@given(hypothesmith.from_grammar(), st.sampled_from([
    ("replace-import", {"old": "a.b.C", "new": "x.y.D"}),
    ("replace-class", {"old": "a.b.C", "new": "x.y.D"}),
    ("rename-argument", {"old": "a", "new": "b"}),
]), st.integers(1, 12), st.integers(1, 40))
@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
def test_top_of_file_fixes_equal_whole_file_fixes_anywhere(monkeypatch, source, edit, line, column):
    if not parses(source):
        return
    source = "from a.b import C\nimport a.b\n" + source  # something for the edits to find
    if cst.parse_module(source).code != source:
        return  # LibCST does not print this source back as it was ("pass\n\n " loses a line): no oracle
    kind, params = edit
    edits = [Edit(0, fix_of(kind, **params), Location(line, column, line, column + 8))]
    fast, whole = apply_edits(source, edits), whole_file_result(monkeypatch, source, edits)
    assert (fast.text, fast.applied, fast.refused) == (whole.text, whole.applied, whole.refused)
