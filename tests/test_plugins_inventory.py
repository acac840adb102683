"""Plugin inventory, the 1.10 plugin-manager names in the index, and plugins.zip layout facts."""

from __future__ import annotations

import json

from conftest import EXAMPLE_PROJECT

from migrator.analysis.plugins import analyse_plugins, quick_plugin_exports
from migrator.cli import main
from migrator.config import Settings
from migrator.engine import build_index
from migrator.workspace import discover

PLUGIN = """\
from airflow.plugins_manager import AirflowPlugin
from acme.operators.transfer import TransferOperator
from acme import macros as acme_macros


def fiscal_week(ds):
    return ds


class AcmePlugin(AirflowPlugin):
    name = "acme"
    operators = [TransferOperator]
    macros = [fiscal_week, acme_macros.fiscal_year]
    listeners = []


class NotAPlugin:
    operators = [TransferOperator]
"""


def project_files():
    return {
        "plugins/acme_plugin.py": PLUGIN,
        "plugins/acme/__init__.py": "",
        "plugins/acme/macros.py": "def fiscal_year(ds):\n    return ds\n",
        "plugins/acme/operators/transfer.py": "import zeep\nfrom common.util import helper\n\n\nclass TransferOperator:\n    pass\n",
        "dags/common/__init__.py": "",
        "dags/common/util.py": "def helper():\n    pass\n",
        "dags/etl.py": "from airflow import DAG\nfrom plugins.acme.operators.transfer import TransferOperator\n",
    }


def test_inventory_and_registrations(make_project):
    root = make_project(project_files())
    facts = analyse_plugins(discover(root, Settings()))
    [plugin] = facts.plugins
    assert (plugin.class_name, plugin.name, plugin.path, plugin.line) == ("AcmePlugin", "acme", "plugins/acme_plugin.py", 10)
    registered = {r.attribute: r.items for r in plugin.registrations}
    assert registered["operators"] == ("acme.operators.transfer.TransferOperator",)
    assert registered["macros"] == ("acme_plugin.fiscal_week", "acme.macros.fiscal_year")
    assert registered["listeners"] == ()
    assert plugin.registered("listeners") is None  # an empty registration registers nothing


def test_exports_reach_the_index(make_project):
    root = make_project(project_files())
    workspace = discover(root, Settings())
    expected = (
        ("airflow.macros.acme.fiscal_week", "acme_plugin.fiscal_week"),
        ("airflow.macros.acme.fiscal_year", "acme.macros.fiscal_year"),
        ("airflow.operators.acme.TransferOperator", "acme.operators.transfer.TransferOperator"),
    )
    assert quick_plugin_exports(workspace) == expected
    assert build_index(workspace).plugin_exports == expected


def test_layout_facts(make_project):
    root = make_project(project_files())
    facts = analyse_plugins(discover(root, Settings()))
    assert facts.zip_entries == ["acme/__init__.py", "acme/macros.py", "acme/operators/transfer.py", "acme_plugin.py"]
    assert facts.packages_without_init == ["plugins/acme/operators"]
    assert facts.nested_plugins_dir is None
    assert [(s.path, s.line, s.module) for s in facts.plugins_package_imports] == [
        ("dags/etl.py", 2, "plugins.acme.operators.transfer.TransferOperator")]
    assert [(s.path, s.module) for s in facts.dag_folder_imports] == [
        ("plugins/acme/operators/transfer.py", "common.util.helper")]
    assert [s.module for s in facts.third_party_imports] == ["zeep"]


def test_nested_plugins_folder(make_project):
    root = make_project({"plugins/plugins/acme_plugin.py": "X = 1\n", "plugins/plugins/__init__.py": ""})
    facts = analyse_plugins(discover(root, Settings()))
    assert facts.nested_plugins_dir == "plugins/plugins"
    assert facts.plugins_package_imports == []  # with the nesting, `plugins.x` would resolve on MWAA


def test_example_project_plugin_inventory_in_json(capsys):
    main(["scan", str(EXAMPLE_PROJECT), "--format", "json", "--no-cache", "--select", "PLG"])
    document = json.loads(capsys.readouterr().out)
    plugins = document["inventory"]["plugins"]
    assert plugins["folder"] == "plugins"
    [acme] = plugins["classes"]
    assert acme["name"] == "acme_plugin"
    assert set(acme["registers"]) >= {"operators", "hooks", "macros", "flask_blueprints", "appbuilder_views"}
    rules = {f["rule"] for f in document["findings"]}
    assert {"PLG001", "PLG003", "PLG005", "PLG006"} <= rules


def test_nested_plugins_folder_and_plugins_imports_are_both_reported(make_project):
    from migrator.compat import get_version

    from migrator.config import Settings
    from migrator.engine import scan

    root = make_project({
        "dags/report.py": ("from airflow import DAG\n"
                           "from plugins.acme.macros import fiscal_week\n"
                           "from plugins.legacy_tools import helper\n"),
        "plugins/acme/__init__.py": "",
        "plugins/acme/macros.py": "def fiscal_week():\n    return 1\n",
        "plugins/plugins/legacy_tools.py": "def helper():\n    return 2\n",
    })
    result = scan(root, Settings(select=("PLG007", "PLG008")), get_version("3.3.1"), jobs=1, use_cache=False)
    found = {(f.rule, f.path, f.location.line) for f in result.findings}
    assert ("PLG008", "dags/report.py", 2) in found  # plugins.acme is not under plugins/plugins/
    assert ("PLG008", "dags/report.py", 3) not in found  # plugins.legacy_tools is
    assert any(rule == "PLG007" for rule, _, _ in found)
