"""The per-module analyses the code rules share: static strings, Jinja reads, shell commands,
import-time code, default_args and argument sites."""

from __future__ import annotations

import ast
import inspect
import re
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrator.analysis.dags import argument_sites, default_args_dicts
from migrator.analysis.jinja import template_names
from migrator.analysis.python import ModuleFacts, literal_value_spans
from migrator.analysis.shell import commands, comment_spans
from migrator.analysis.source import SourceText
from migrator.analysis.strings import UNKNOWN, absolute_paths, host_references, static_string
from migrator.rules._common import location_in_literal


def facts(code: str, name: str = "dags.example") -> ModuleFacts:
    text = inspect.cleandoc(code) + "\n"
    return ModuleFacts.from_source("dags/example.py", SourceText(text, "utf-8", b"", "\n"), name)


def value_of(module: ModuleFacts, variable: str) -> str | None:
    """The static value of the expression assigned to ``variable`` (last assignment)."""
    node = [n for n in ast.walk(module.tree) if isinstance(n, ast.Assign)
            and isinstance(n.targets[0], ast.Name) and n.targets[0].id == variable][-1]
    value = static_string(module, node.value)
    return value.text if value else None


# -- static strings --------------------------------------------------------------------------------

def test_static_string_follows_constants_concatenation_format_and_joins():
    module = facts('''
        import os
        from pathlib import Path

        ROOT = "/data/landing"
        JOBS = "/opt/etl/" + "jobs"
        A = ROOT + "/pos"
        B = f"{ROOT}/{{{{ ds }}}}/x"
        C = "{}/r_{}.csv".format(ROOT, day)
        D = "{root}/y".format(root=ROOT)
        E = os.path.join(JOBS, "stage.py")
        F = Path(ROOT) / "ref" / "stores.csv"
        G = "%s/z" % ROOT
    ''')
    assert value_of(module, "A") == "/data/landing/pos"
    assert value_of(module, "B") == "/data/landing/{{ ds }}/x"
    assert value_of(module, "C") == f"/data/landing/r_{UNKNOWN}.csv"
    assert value_of(module, "D") == "/data/landing/y"
    assert value_of(module, "E") == "/opt/etl/jobs/stage.py"
    assert value_of(module, "F") == "/data/landing/ref/stores.csv"
    assert value_of(module, "G") == "%s/z"


def test_static_string_keeps_the_literal_each_character_comes_from():
    module = facts('''
        ROOT = "/data/landing"
        PATH = ROOT + "/pos"
    ''')
    assign = module.tree.body[1]
    value = static_string(module, assign.value)
    root_literal = module.tree.body[0].value
    assert value.origin(0) == (root_literal, 0)
    assert value.origin(len("/data/landing") + 1)[0] is assign.value.right


def test_static_string_does_not_guess_reassigned_names_or_parameters():
    module = facts('''
        ROOT = "/a"
        ROOT = "/b"

        def f(path, other="/c"):
            local = "/d"
            local = "/e"
            X = path
            Y = local
            Z = ROOT
    ''')
    function = module.function_defs["f"][0]
    values = {t.targets[0].id: static_string(module, t.value) for t in function.body
              if isinstance(t, ast.Assign) and t.targets[0].id in "XYZ"}
    assert values == {"X": None, "Y": None, "Z": None}


def test_absolute_paths_ignore_urls_template_relative_paths_and_division():
    assert [p.path for p in absolute_paths(
        "hdfs dfs -put /data/pos/{{ ds_nodash }}/*.gz hdfs:///raw/pos/ s3://b/k 10/2 "
        "{{ dag.folder }}/scripts/x.sh ${DIR}/y --file=/opt/x.csv unix://var/run/docker.sock")] == [
        "/data/pos/{{ ds_nodash }}/*.gz", "/opt/x.csv"]


def test_absolute_paths_do_not_start_after_a_closing_quote_or_a_substitution():
    # '"${ROOT_DIR}"/x.py' is one word under an unknown folder, not "/x.py".
    assert [p.path for p in absolute_paths(
        'python "${ROOT_DIR}"/x.py "$A"/b.sh $(pwd)/c.csv x="/opt/d" "/opt/e" [\'/opt/f\']')] == [
        "/opt/d", "/opt/e", "/opt/f"]


@pytest.mark.parametrize(("text", "expected"), [
    ("jdbc:hive2://hive01.corp.acme.local:10000/db;principal=hive/_HOST@CORP.ACME.LOCAL",
     [("hive01.corp.acme.local", "internal-name")]),
    ("psql -h 10.20.30.40 -U etl", [("10.20.30.40", "private-ip")]),
    ("http://localhost:9091/metrics", [("localhost", "loopback")]),
    ("tcp://127.0.0.1:2376", [("127.0.0.1", "loopback")]),
    ("http://host.docker.internal:5000", [("host.docker.internal", "docker-host")]),
    ("postgres://user:pw@db.corp:5432/dwh", [("db.corp", "internal-name")]),
    ("scp x deploy@10.1.2.3:/tmp", [("10.1.2.3", "private-ip")]),
    ("alerts@data.corp.local etl@CORP.ACME.LOCAL", []),  # mailboxes and Kerberos principals
    ("ip-10-0-1-12.ec2.internal https://api.example.com 8.8.8.8 /srv/app.local/x", []),
    # Networks, netmasks, documentation ranges and dotted names are no hosts.
    ("10.0.0.0/8 255.255.255.0 192.0.2.1 threading.local", []),
    ("db.corp:5432 and registry.corp.acme.local/ml", [("db.corp", "internal-name"),
                                                      ("registry.corp.acme.local", "internal-name")]),
])
def test_host_references(text, expected):
    found = host_references(text, (".local", ".internal", ".corp"), (".ec2.internal",))
    assert [(h.host, h.kind) for h in found] == expected


# -- Jinja -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("template", "reads"), [
    ("{{ execution_date.isoformat() }}", ["execution_date"]),
    ("{{ macros.ds_add(ds, 1) }} {{ x | default(next_ds) }}", ["macros", "ds", "x", "next_ds"]),
    ("{% for d in dates %}{{ d }}{{ prev_ds }}{% endfor %}", ["dates", "prev_ds"]),
    ("{% set y = tomorrow_ds %}{{ y }}", ["tomorrow_ds"]),
    ('{{ var.value.get("x", default=ds) }}', ["var", "ds"]),
    ("{% if conf %}a{% endif %}", ["conf"]),
    ("{{ dag_run.execution_date }} {{ 'execution_date' }}", ["dag_run"]),
    ("{{- ts -}} {#- next_ds -#}", ["ts"]),
    ("no template: {execution_date}", []),
])
def test_template_names(template, reads):
    found = template_names(template)
    assert [n.name for n in found] == reads
    assert all(template[n.start:n.end] == n.name for n in found)


# -- shell commands --------------------------------------------------------------------------------

@pytest.mark.parametrize(("line", "programs"), [
    ("kinit -kt /k etl@R && hdfs dfs -ls / | tee /tmp/x", ["kinit", "hdfs", "tee"]),
    ("sudo -u posbatch /opt/pos/bin/seal.sh {{ ds | ds_nodash }}", ["/opt/pos/bin/seal.sh"]),
    ("if [ -f x ]; then java -jar a.jar; fi", ["java"]),
    ('PGPASSWORD=x psql -h h -c "select 1; select 2" && echo \'a|b\'', ["psql"]),
    ("modified=$(hdfs dfs -stat %Y x)", ["hdfs"]),
    ("cd /opt/etl && ./run.sh", ["./run.sh"]),
    ("echo spark-submit", []),
    ("echo a # spark-submit x && hdfs\n  #java -jar /opt/a.jar\nkinit 'a#b' x#y", ["kinit"]),
])
def test_commands_find_the_programs_a_line_runs(line, programs):
    assert [c.program.text for c in commands(line)] == programs


def test_comment_spans_start_at_a_word_outside_quotes_and_end_with_the_line():
    text = 'echo "a # b" {{ "#" }} x#y # run /opt/a.sh \\\n# /opt/b\nls ${#LIST}'
    assert [text[s:e] for s, e in comment_spans(text)] == ["# run /opt/a.sh \\", "# /opt/b"]


def test_ssh_runs_the_words_after_its_host_remotely():
    line = 'ssh -i /home/etl/.ssh/id -o BatchMode=yes hpc "qsub /rds/job.sh" && ssh hpc'
    first, login = commands(line)
    start, end = first.remote_command()
    assert line[start:end] == '"qsub /rds/job.sh"'
    assert login.remote_command() is None


def test_interpreter_scripts():
    runs = commands("python3 -u /opt/jobs/load.py --day x && bash {{ dag.folder }}/r.sh && python -m pkg")
    assert [c.script().text if c.script() else None for c in runs] == [
        "/opt/jobs/load.py", "{{ dag.folder }}/r.sh", None]


# -- import time -----------------------------------------------------------------------------------

def test_runs_at_import_follows_factories_and_dag_functions_but_not_tasks():
    module = facts('''
        from airflow.decorators import dag, task

        def factory(name):
            marker_factory = 1
            return name

        def helper():
            marker_helper = 1

        @dag(schedule=None)
        def pipeline():
            marker_dag = 1

            @task
            def step():
                marker_task = 1
            step()

        def callback(context):
            marker_callback = 1

        def default(x=helper2()):
            marker_default_body = 1

        def helper2():
            marker_helper2 = 1

        for name in ("a", "b"):
            globals()[name] = factory(name)
        pipeline()

        if __name__ == "__main__":
            helper()
    ''')
    runs = {n.targets[0].id: module.runs_at_import(n) for n in ast.walk(module.tree)
            if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name) and n.targets[0].id.startswith("marker")}
    assert runs == {"marker_factory": True, "marker_helper": False, "marker_dag": True, "marker_task": False,
                    "marker_callback": False, "marker_default_body": False, "marker_helper2": True}


def test_lines_split_like_python_not_like_splitlines():
    # A form feed inside a comment is no line break for Python; str.splitlines() says it is.
    text = 'A = 1  # page\x0cbreak\nB = "x"\n'
    module = ModuleFacts.from_source("dags/example.py", SourceText(text, "utf-8", b"", "\n"))
    node = module.tree.body[1]
    assert module.location(node).line == 2
    assert module.line_text(2) == 'B = "x"'


def test_locate_text_inside_a_multiline_literal():
    module = facts('''
        CMD = (
            "kinit -kt /k/etl.keytab etl@R && "
            "hdfs dfs -ls /"
        )
    ''')
    literal = module.tree.body[0].value
    location = module.locate_text(literal, "hdfs")
    assert (location.line, location.column, location.end_column) == (3, 6, 10)


LITERAL_PIECES = st.sampled_from(["a", " ", "db7.corp.local", "\\n", "\\t", "\\\\", "\\'", '\\"', "\\x41",
                                  "\\u00e9", "\\U0001F600", "\\N{BULLET}", "\\101", "\\7", "\\d", "\\\n", "é",
                                  "{", "'", '"', "\n"])


@st.composite
def string_literals(draw) -> str:
    """Source of a string literal: one to three parts of any quoting, concatenated."""
    parts = [draw(st.sampled_from(["", "r", "R", "u"])) + quote + "".join(draw(st.lists(LITERAL_PIECES, max_size=8)))
             + quote for quote in draw(st.lists(st.sampled_from(["'", '"', "'''", '"""']), min_size=1, max_size=3))]
    return "(" + draw(st.sampled_from([" ", "\n", "  # note\n "])).join(parts) + ")"


@settings(max_examples=2000, derandomize=True, database=None)
@given(string_literals())
def test_each_character_of_a_literal_value_maps_to_where_the_source_spells_it(source):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "\\d" is an invalid escape, kept as written
            value = ast.literal_eval(source)
    except (SyntaxError, ValueError):
        return  # not a literal the generator can make valid (a quote ending a part early)
    starts, ends = literal_value_spans(source[1:-1])
    assert len(starts) == len(value)
    body = source[1:-1]
    for index, char in enumerate(value):
        spelled = body[starts[index]:ends[index]]
        assert spelled == char or spelled.startswith("\\"), (source, index)
    module = ModuleFacts.from_source("dags/x.py", SourceText(f"X = {source}\n", "utf-8", False, "\n"))
    literal = module.tree.body[0].value
    assert literal.value == value
    for found in re.finditer(re.escape("db7.corp.local"), value):
        location = location_in_literal(module, literal, value, found.start(), found.end())
        assert module.line_text(location.line)[location.column - 1:location.end_column - 1] == "db7.corp.local"


# -- DAG and task arguments ------------------------------------------------------------------------

def test_argument_sites_cover_dags_tasks_decorators_and_default_args():
    module = facts('''
        from airflow import DAG
        from airflow.decorators import dag, task
        from airflow.operators.bash import BashOperator

        default_args = {"owner": "x", "queue": "spark"}
        SHARED_DEFAULT_ARGS = dict(sla=1)

        with DAG("a", default_args=default_args, schedule_interval="@daily") as d:
            BashOperator(task_id="t", bash_command="echo", pool="p")

        @dag(schedule=None, default_args={"retries": 1})
        def b():
            @task(queue="q")
            def step():
                pass
    ''')
    sites = {(s.owner, s.name) for s in argument_sites(module)}
    assert {("dag", "schedule_interval"), ("dag", "default_args"), ("task", "pool"), ("task", "queue"),
            ("dag", "schedule"), ("default_args", "queue"), ("default_args", "sla"),
            ("default_args", "retries")} <= sites
    assert len(default_args_dicts(module)) == 3


@pytest.mark.parametrize(("path", "module_name", "expected"), [
    # A package's __init__.py is the package: "." is the package itself, ".." its parent.
    ("a/b/__init__.py", "a.b", ["a.b.c.d", "a.e.f"]),
    ("a/b/x.py", "a.b.x", ["a.b.c.d", "a.e.f"]),
])
def test_relative_imports_resolve_from_the_package_a_module_is_in(path, module_name, expected):
    module = ModuleFacts.from_bytes(path, b"from .c import d\nfrom ..e import f\n", module_name)
    assert [i.qualname for i in module.imports] == expected
