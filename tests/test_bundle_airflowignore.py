""".airflowignore read as Airflow reads it, in regexp and glob syntax."""

from __future__ import annotations

import pytest

from migrator.airflowignore import (
    AirflowIgnore,
    default_syntax,
    effective_syntax,
    find_ignored,
    parse_ignore_text,
    render_ignore_file,
)


def scope(text: str, syntax: str, folder: str = "") -> AirflowIgnore:
    rules, problems = parse_ignore_text(text, source="dags/.airflowignore", folder=folder,
                                        syntax=syntax)
    assert problems == []
    return AirflowIgnore(syntax).extended(rules)


def test_default_syntax_changed_in_airflow_3():
    assert default_syntax("1.10.15") == "regexp"
    assert default_syntax("2.11.2") == "regexp"
    assert default_syntax("3.0.6") == "glob"
    assert effective_syntax("2.10.3", "glob") == "glob"
    assert effective_syntax("3.3.1", " REGEXP ") == "regexp"
    assert effective_syntax("3.3.1", "nonsense") == "glob"


def test_regexp_patterns_are_unanchored_searches_in_the_relative_path():
    rules = scope("project_a\ntenant_[\\d]\n", "regexp")
    for ignored in ("project_a_dag_1.py", "TESTING_project_a.py", "tenant_1.py",
                    "project_a/dag_1.py", "tenant_1/dag_1.py"):
        assert rules.match(ignored) is not None, ignored
    assert rules.match("tenant_x.py") is None
    assert rules.match("other/dag.py") is None


def test_regexp_comments_and_blank_lines():
    rules = scope("# only a comment\n\nscratch  # trailing comment\n", "regexp")
    assert [r.pattern for r in rules.rules] == ["scratch"]
    assert rules.match("my_scratch.py").line == 3


def test_invalid_regexp_is_a_warning_with_file_and_line_not_a_crash():
    rules, problems = parse_ignore_text("good\n(unclosed\n*bad\n(a)b\\1\n",
                                        source="dags/sub/.airflowignore", folder="sub",
                                        syntax="regexp")
    assert [r.pattern for r in rules] == ["good"]
    assert [(p.path, p.line) for p in problems] == [
        ("dags/sub/.airflowignore", 2), ("dags/sub/.airflowignore", 3),
        ("dags/sub/.airflowignore", 4)]
    assert str(problems[0]).startswith("dags/sub/.airflowignore:2: invalid regular expression")
    assert "RE2" in problems[2].message


def test_glob_patterns_without_a_slash_match_names_at_any_depth():
    rules = scope("*_draft.py\nvendor/\n", "glob")
    assert rules.match("x_draft.py") is not None
    assert rules.match("team/y_draft.py") is not None
    assert rules.match("vendor", is_dir=True) is not None
    assert rules.match("vendor") is None  # "vendor/" only matches folders
    assert rules.match("team/vendor", is_dir=True) is not None


def test_glob_patterns_with_a_slash_are_relative_to_their_ignore_file():
    rules = scope("/archive/\nteam/*.sql\n", "glob")
    assert rules.match("archive", is_dir=True) is not None
    assert rules.match("team/archive", is_dir=True) is None
    assert rules.match("team/q.sql") is not None
    assert rules.match("other/team/q.sql") is None
    nested = scope("/old.py\n", "glob", folder="team")
    assert nested.match("team/old.py") is not None
    assert nested.match("old.py") is None


def test_glob_negation_last_match_wins():
    rules = scope("*.py\n!keep.py\n", "glob")
    assert rules.match("drop.py") is not None
    assert rules.match("keep.py") is None
    assert scope("!keep.py\n*.py\n", "glob").match("keep.py") is not None


def test_glob_lone_slash_is_a_warning():
    rules, problems = parse_ignore_text("/\nok\n", source="dags/.airflowignore", folder="",
                                        syntax="glob")
    assert [r.pattern for r in rules] == ["ok"]
    assert problems[0].line == 1


def test_find_ignored_prunes_folders_and_reads_nested_ignore_files(tmp_path):
    files = {
        "dags/.airflowignore": "legacy\n",
        "dags/a.py": "", "dags/legacy/b.py": "", "dags/legacy/.airflowignore": "nothing\n",
        "dags/team/.airflowignore": "^team/tmp_",  # regexp rules match from the DAG folder root
        "dags/team/tmp_x.py": "", "dags/team/real.py": "", "dags/other/tmp_y.py": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    report = find_ignored(tmp_path, "dags", "regexp")
    assert set(report.ignored) == {"legacy/", "team/tmp_x.py"}
    assert report.ignored["legacy/"].source == "dags/.airflowignore"
    assert report.ignored["team/tmp_x.py"].source == "dags/team/.airflowignore"
    assert report.warnings == []


@pytest.mark.parametrize("syntax", ["regexp", "glob"])
def test_rendered_ignore_files_match_exactly_the_listed_paths(syntax):
    paths = ["common/", "util.py", "odd name#1.py", "a[1]/", "x.y/z.py"]
    text = render_ignore_file(paths, syntax, ["header"])
    rules = scope(text, syntax)
    assert rules.match("common", is_dir=True) is not None
    assert rules.match("util.py") is not None
    assert rules.match("odd name#1.py") is not None
    assert rules.match("a[1]", is_dir=True) is not None
    assert rules.match("x.y/z.py") is not None
    for kept in ("common.py", "util.pyc", "xay/z.py", "sales.py", "team/util.py"):
        assert rules.match(kept) is None, kept
