"""`migrate --verify` on requirement and layout patterns that made DAG files fail after migrate:
each file loads in a real Airflow once the bundle installs what the code imports and carries
only the project's own modules.

- A module its distribution split out (`lxml.html.clean`, lxml_html_clean since lxml 5.2):
  REQ023 adds the distribution.
- A uv lock compiled from pyproject.toml names the project as the source of its direct
  requirements (`# via acme-etl (pyproject.toml)`): REQ020 keeps those lines.
- A package only pyproject.toml lists (pip install .): REQ021 adds it to requirements.txt.
- A project module that imports the distribution of its own name (`acme/toolz.py` doing
  `from toolz import curry`) is not carried to plugins.zip's root, where it would import itself.
"""

from __future__ import annotations

import json

import pytest
from conftest import SHARED

from migrator.cli import main

pytestmark = pytest.mark.airflow

HEADER = "from datetime import datetime\nfrom airflow import DAG\n"
TAIL = "\nDAG('{dag_id}', start_date=datetime(2024, 1, 1), schedule=None)\n"
CLEANER = "from lxml.html.clean import Cleaner\n\nCLEANER = Cleaner(javascript=True)\n"


def migrate_and_verify(root, out, target, capsys) -> dict:
    constraints = SHARED / "mwaa-data" / target / "airflow_constraints.txt"
    code = main(["migrate", str(root), "--out", str(out), "--target", target, "--verify",
                 "--constraints", str(constraints), "-q"])
    capsys.readouterr()
    assert code in (0, 1)
    return json.loads((out / "report.json").read_text(encoding="utf-8"))["verify"]


# The release compat records for each target's lxml (6.1.1 on 3.3.1, 5.4.0 on 2.11.2): the load
# proves it installs beside that lxml under the constraints.
@pytest.mark.parametrize(("target", "line"), [("3.3.1", "lxml-html-clean==0.4.7"), ("2.11.2", "lxml-html-clean==0.4.4")])
def test_a_split_out_module_loads_once_migrate_adds_its_distribution(target, line, make_project, tmp_path, capsys):
    root = make_project({
        "dags/clean.py": HEADER + CLEANER + TAIL.format(dag_id="clean"),
        "requirements.txt": "lxml\n",
    })
    verify = migrate_and_verify(root, tmp_path / "out", target, capsys)
    assert verify["not_loading"] == [], verify["not_loading"]
    assert verify["summary"]["loaded"] == 1
    shipped = (tmp_path / "out" / "bundle" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert line in shipped


def test_a_pyproject_project_keeps_its_direct_lock_lines_and_gets_its_imported_dependencies(
        make_project, tmp_path, capsys):
    root = make_project({
        "pyproject.toml": '[project]\nname = "acme-etl"\ndependencies = [\n    "lxml_html_clean",\n'
                          '    "toolz",\n]\n',
        # uv pip compile pyproject.toml, trimmed to the one line this test needs
        "requirements.txt": "lxml-html-clean==0.4.3\n    # via acme-etl (pyproject.toml)\n",
        "acme/__init__.py": "",
        "acme/toolz.py": "from toolz import curry\n\nadd = curry(lambda a, b: a + b)\n",
        "acme/dags/etl.py": HEADER + "from acme.toolz import add\n" + CLEANER + TAIL.format(dag_id="etl"),
    })
    out = tmp_path / "out"
    verify = migrate_and_verify(root, out, "3.3.1", capsys)
    assert verify["not_loading"] == [], verify["not_loading"]
    assert verify["summary"]["loaded"] == 1
    shipped = (out / "bundle" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "lxml-html-clean==0.4.3" in shipped and "toolz" in shipped
    manifest = json.loads((out / "bundle" / "manifest.json").read_text(encoding="utf-8"))
    members = {f["path"] for f in manifest["files"]}
    assert "plugins.zip!acme/toolz.py" in members and "plugins.zip!toolz.py" not in members
