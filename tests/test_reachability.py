"""migrator.analysis.reachability: module-level functions nothing in the project calls."""

from __future__ import annotations

from migrator.compat import get_version

from migrator.config import Settings
from migrator.engine import build_index, scan
from migrator.findings import Severity
from migrator.workspace import discover

BUILDERS = '''
from airflow.configuration import conf


# build_task is deprecated: use task.
def build_task(name):
    namespace = conf.get("kubernetes", "namespace")
    return {"name": name, "namespace": namespace, "doc": build_task.__name__}


def task(name):
    return {"name": name, "namespace": conf.get("kubernetes", "namespace")}


def on_failure(context):
    print(context)


@hookimpl
def on_starting(component):
    print(component)
'''


def test_only_functions_named_nowhere_but_their_def_are_unreferenced(make_project):
    root = make_project({
        "dags/build_task.py": BUILDERS,
        # The module path shares the dead function's name; the callback is named as an argument.
        "dags/d.py": "from build_task import task, on_failure\nT = task('x')\nCALLBACK = on_failure\n",
    })
    # The comment, the module path and its own __name__ do not call build_task; a decorator
    # may register on_starting.
    assert build_index(discover(root, Settings())).unreferenced_functions == {"build_task.build_task"}


def test_one_line_defs_and_decorators_over_blank_lines(make_project):
    root = make_project({
        "dags/hooks.py": ("def first(): return 1\ndef second(): return 2\n"  # one line each, back to back
                          "@hookimpl\n\n\ndef registered():\n    pass\n"  # decorated, blank lines between
                          "x = 1  # @not_a_decorator\ndef after_comment():\n    pass\n"),
        "dags/d.py": "from hooks import second\nsecond()\n",
    })
    assert build_index(discover(root, Settings())).unreferenced_functions == {"hooks.first", "hooks.after_comment"}


def test_a_removed_option_read_in_dead_code_is_info(make_project):
    root = make_project({"dags/build_task.py": BUILDERS,
                         "dags/d.py": "from build_task import task\nT = task('x')\n"})
    result = scan(root, Settings(select=("API020",)), get_version("3.3.1"), jobs=1)
    by_line = {f.location.line: f for f in result.findings}
    assert by_line[7].severity is Severity.INFO and "nothing in the project calls build_task()" in by_line[7].message
    assert by_line[12].severity is Severity.ERROR


def test_modules_no_other_file_names_are_unimported(make_project):
    root = make_project({
        "dags/d.py": "from helpers.gcs import upload\nimport importlib\nLOADER = importlib.import_module('loaded_later')\n",
        "dags/helpers/__init__.py": "",
        "dags/helpers/gcs.py": "def upload():\n    pass\n",
        "dags/loaded_later.py": "X = 1\n",
        # Names itself only (its own main guard), and a workflow runs it: nothing imports it.
        "dags/deploy.py": "def deploy():\n    pass\n\nif __name__ == '__main__':\n    deploy()  # deploy.py\n",
        "plugins/listener.py": "def on_starting():\n    pass\n",
        ".github/workflows/deploy.yml": "jobs:\n  d:\n    steps:\n      - run: python dags/deploy.py\n",
    })
    # d.py itself is named by nothing either: a DAG file; the plugins folder's modules Airflow imports.
    assert build_index(discover(root, Settings())).unimported_modules == {"d", "deploy"}
