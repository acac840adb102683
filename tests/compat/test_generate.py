"""The generator: its AST readers on small synthetic modules, and a full regeneration from
PyPI that must reproduce the checked-in data byte for byte."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pytest

from migrator import compat
from migrator.compat import generate
from migrator.compat import wheel_reader as wr

from kb_paths import MWAA_DATA

GENERATED = Path(compat.__file__).parent / "data" / "generated"


def test_deprecated_tables_handle_name_key_wildcards_and_inline_calls():
    source = '''
from airflow.utils.deprecation_tools import add_deprecated_classes
__deprecated_classes = {
    __name__: {"task": "airflow.sdk.task"},
    "bash_operator": {"BashOperator": "airflow.operators.bash.BashOperator"},
    "timezone": {"*": "airflow.sdk.timezone"},
    "k8s": {"f": "airflow.providers.cncf.kubernetes.k.f."},
}
add_deprecated_classes(__deprecated_classes, __name__)
add_deprecated_classes({"entry_points": {"*": "airflow._shared.module_loading"}}, __name__, message="x")
'''
    assert wr.deprecated_class_tables(source, "airflow.utils") == {
        "airflow.utils.task": "airflow.sdk.task",
        "airflow.utils.bash_operator.BashOperator": "airflow.operators.bash.BashOperator",
        "airflow.utils.timezone.*": "airflow.sdk.timezone",
        "airflow.utils.k8s.f": "airflow.providers.cncf.kubernetes.k.f",
        "airflow.utils.entry_points.*": "airflow._shared.module_loading",
    }


def test_shim_modules_only_when_they_warn_and_define_nothing():
    shim = '''
import warnings
from airflow.operators.bash import BashOperator  # noqa
warnings.warn("This module is deprecated.", DeprecationWarning, stacklevel=2)
'''
    assert wr.shim_module_moves(shim, "airflow/operators/bash_operator.py") == {
        "airflow.operators.bash_operator.BashOperator": "airflow.operators.bash.BashOperator"
    }
    real = shim + "\nclass Other: pass\n"
    assert wr.shim_module_moves(real, "airflow/operators/bash_operator.py") == {}


def test_top_level_names_skip_type_checking_and_private():
    source = '''
from typing import TYPE_CHECKING
import os
from airflow.models import BaseOperator
from json import dumps
if TYPE_CHECKING:
    from airflow.models import DagRun
try:
    from airflow.sdk import Asset
except ImportError:
    Asset = None
class MyOperator(BaseOperator): ...
def _helper(): ...
def _kept(): ...
VALUE: int = 3
__all__ = ["MyOperator", "listed"]
'''
    assert wr.top_level_names(source, "m.py", frozenset({"_kept"})) == [
        "Asset", "BaseOperator", "MyOperator", "VALUE", "_kept", "listed"
    ]


def test_attrs_parameters_skip_init_false_and_classvars():
    source = '''
class DAG:
    __serialized: ClassVar[frozenset[str]]
    dag_id: str = attrs.field(kw_only=False)
    timezone: object = attrs.field(init=False)
    schedule: object = None
    _private: int = attrs.field(default=0)
    aliased: int = attrs.field(alias="other_name")
'''
    assert wr.attrs_init_parameters(source, "DAG") == ["dag_id", "other_name", "private", "schedule"]


def test_deprecated_options_both_formats():
    old = '''
class AirflowConfigParser:
    deprecated_options = {"scheduler": {"parsing_processes": "max_threads"}}
'''
    new = '''
class AirflowConfigParser:
    deprecated_options: dict = {("api", "port"): ("webserver", "web_server_port", "3.0")}
'''
    assert wr.deprecated_options(old)["renamed"] == [
        {"old": "scheduler.max_threads", "new": "scheduler.parsing_processes", "since": None}]
    assert wr.deprecated_options(new)["renamed"] == [
        {"old": "webserver.web_server_port", "new": "api.port", "since": "3.0"}]


def test_configs_changes_reads_config_parameters():
    source = '''
CONFIGS_CHANGES = [
    ConfigChange(config=ConfigParameter("core", "dag_concurrency"),
                 renamed_to=ConfigParameter("core", "max_active_tasks_per_dag")),
    ConfigChange(config=ConfigParameter("webserver", option="auth_rate_limit"), suggestion="gone"),
]
'''
    assert wr.configs_changes(source) == [
        {"config": "core.dag_concurrency", "renamed_to": "core.max_active_tasks_per_dag"},
        {"config": "webserver.auth_rate_limit", "suggestion": "gone"},
    ]


def test_lazy_import_formats():
    assert wr.lazy_imports('__lazy_imports = {"DAG": (".sdk", "DAG", False), "version": (".version", "", False)}',
                           "airflow") == {"DAG": "airflow.sdk.DAG", "version": "airflow.version"}
    assert wr.lazy_imports('__lazy_imports = {"Asset": ".definitions.asset"}', "airflow.sdk") == {
        "Asset": "airflow.sdk.definitions.asset.Asset"}


def test_checked_in_data_has_provenance_on_every_file():
    files = sorted(GENERATED.rglob("*.json"))
    assert len(files) > 100
    for path in files:
        document = json.loads(path.read_text())
        text = json.dumps(document)
        assert '"sha256"' in text and "==" in text, path
    total = sum(p.stat().st_size for p in files)
    # About 3.4 MB of tables and inventories plus 2.6 MB of operator signatures (signatures/).
    assert total < 7_000_000, f"generated data grew to {total} bytes"


@pytest.mark.network
def test_regenerating_from_pypi_reproduces_checked_in_data(tmp_path):
    out = tmp_path / "generated"
    written = generate.generate(out, generate.WheelCache(generate.DEFAULT_CACHE), MWAA_DATA,
                                generate.overlay_target_paths())
    assert written
    comparison = filecmp.dircmp(out, GENERATED)

    def differences(node: filecmp.dircmp, prefix: str = "") -> list[str]:
        found = [prefix + n for n in node.left_only + node.right_only + node.diff_files]
        for name, child in node.subdirs.items():
            found += differences(child, f"{prefix}{name}/")
        return found

    # dircmp compares shallowly by stat first; compare contents to be sure.
    assert differences(comparison) == []
    for path in out.rglob("*.json"):
        assert path.read_bytes() == (GENERATED / path.relative_to(out)).read_bytes(), path
