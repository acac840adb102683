"""The generator: its AST readers on small synthetic modules, and a full regeneration from
PyPI that must reproduce the checked-in data byte for byte."""

from __future__ import annotations

import filecmp
import json
import zipfile
from pathlib import Path

import pytest
from kb_paths import MWAA_DATA
from migrator.compat import (
    api_reader,
    extract,
    generate,
    generated_files,
    moves_reader,
    wheel_cache,
)
from migrator.compat import wheel_reader as wr

from migrator import compat

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
    assert moves_reader.deprecated_class_tables(source, "airflow.utils") == {
        "airflow.utils.task": "airflow.sdk.task",
        "airflow.utils.bash_operator.BashOperator": "airflow.operators.bash.BashOperator",
        "airflow.utils.timezone.*": "airflow.sdk.timezone",
        "airflow.utils.k8s.f": "airflow.providers.cncf.kubernetes.k.f",
        "airflow.utils.entry_points.*": "airflow._shared.module_loading",
    }


def test_getattr_redirects_read_the_table_a_module_getattr_checks():
    source = '''
_DEPRECATED_EXCEPTIONS = {"AirflowSkipException", "TaskDeferred"}
_OTHER = {"Unrelated"}

def __getattr__(name: str):
    if name in _DEPRECATED_EXCEPTIONS:
        from airflow._shared.module_loading import import_string

        target_path = f"airflow.sdk.exceptions.{name}"
        return import_string(target_path)
    raise AttributeError(name)
'''
    assert moves_reader.getattr_redirects(source, "airflow/exceptions.py") == {
        "airflow.exceptions.AirflowSkipException": "airflow.sdk.exceptions.AirflowSkipException",
        "airflow.exceptions.TaskDeferred": "airflow.sdk.exceptions.TaskDeferred",
    }
    assert moves_reader.getattr_redirects("def __getattr__(name):\n    raise AttributeError(name)\n", "airflow/x.py") == {}


def test_deprecated_tables_of_a_plain_module_with_a_package_keyword():
    # The form of airflow/utils/context.py (3.1+): a module keeping its own moved names.
    source = '''
from airflow.utils.deprecation_tools import add_deprecated_classes

class Kept:
    pass

add_deprecated_classes(
    {__name__: {"Context": "airflow.sdk.definitions.context", "merge": "airflow.sdk.x.merge"}},
    package=__name__,
)
'''
    assert moves_reader.deprecated_class_tables(source, wr.module_name("airflow/utils/context.py")) == {
        "airflow.utils.context.Context": "airflow.sdk.definitions.context",
        "airflow.utils.context.merge": "airflow.sdk.x.merge",
    }


def test_getattr_alias_imports_read_each_form_of_a_name_by_name_getattr():
    equal = '''
def __getattr__(name: str):
    if name == "JobState":
        import warnings
        from airflow.jobs.job import JobState
        warnings.warn("moved", DeprecationWarning, stacklevel=2)
        return JobState
    raise AttributeError(name)
'''
    assert moves_reader.getattr_alias_imports(equal, "airflow/utils/state.py") == {
        "airflow.utils.state.JobState": "airflow.jobs.job.JobState"}
    member_of_set = '''
def __getattr__(name):
    if name in {"DagBag", "timeout"}:
        from airflow.dag_processing import dagbag as _dagbag
        return getattr(_dagbag, name)
    raise AttributeError(name)
'''
    assert moves_reader.getattr_alias_imports(member_of_set, "airflow/models/dagbag.py") == {
        "airflow.models.dagbag.DagBag": "airflow.dag_processing.dagbag.DagBag",
        "airflow.models.dagbag.timeout": "airflow.dag_processing.dagbag.timeout"}
    turned_away_first = '''
def __getattr__(name):
    if name not in ("DAG", "dag"):
        raise AttributeError(name)
    import airflow.sdk
    return getattr(airflow.sdk, name)
'''
    assert moves_reader.getattr_alias_imports(turned_away_first, "airflow/models/dag.py") == {
        "airflow.models.dag.DAG": "airflow.sdk.DAG", "airflow.models.dag.dag": "airflow.sdk.dag"}
    table = '''
__moved = {"render": "airflow.sdk.definitions.context", "third_party": "yaml"}

def __getattr__(name):
    modpath = __moved[name]
    return getattr(importlib.import_module(modpath), name)
'''
    assert moves_reader.getattr_alias_imports(table, "airflow/utils/helpers.py") == {
        "airflow.utils.helpers.render": "airflow.sdk.definitions.context.render"}
    # __import__ of a dotted path returns the top package: Airflow 3.3.1's helpers.py table
    # raises AttributeError for every name in it, so none is an alias that works.
    top_package = table.replace("importlib.import_module(modpath)", "__import__(modpath)")
    assert moves_reader.getattr_alias_imports(top_package, "airflow/utils/helpers.py") == {}
    # A value made up on the spot (a constant, a third-party module) is no move.
    made_up = '''
def __getattr__(name):
    if name == "WEB_COLORS":
        return {"LIGHTBLUE": "#4d9de0"}
    if name == "FullLoader":
        import yaml
        return getattr(yaml, name)
    raise AttributeError(name)
'''
    assert moves_reader.getattr_alias_imports(made_up, "airflow/settings.py") == {}


def test_shim_modules_only_when_they_warn_and_define_nothing():
    shim = '''
import warnings
from airflow.operators.bash import BashOperator  # noqa
warnings.warn("This module is deprecated.", DeprecationWarning, stacklevel=2)
'''
    assert moves_reader.shim_module_moves(shim, "airflow/operators/bash_operator.py") == {
        "airflow.operators.bash_operator.BashOperator": "airflow.operators.bash.BashOperator"
    }
    real = shim + "\nclass Other: pass\n"
    assert moves_reader.shim_module_moves(real, "airflow/operators/bash_operator.py") == {}


def test_subclass_shims_map_each_empty_subclass_to_its_base():
    shim = '''
from airflow.sensors.sql_sensor import SqlSensor as SqlSensorImp
from airflow.sensors.time_sensor import TimeSensor as TimeSensorImp


class SqlSensor(SqlSensorImp):
    pass


class TimeSensor(TimeSensorImp):
    """Kept for old imports."""
    pass
'''
    assert moves_reader.subclass_shim_moves(shim, "airflow/operators/sensors.py") == {
        "airflow.operators.sensors.SqlSensor": "airflow.sensors.sql_sensor.SqlSensor",
        "airflow.operators.sensors.TimeSensor": "airflow.sensors.time_sensor.TimeSensor",
    }
    own_code = shim + "\nclass Own(SqlSensorImp):\n    def poke(self, context): return True\n"
    assert moves_reader.subclass_shim_moves(own_code, "airflow/operators/sensors.py") == {}
    helper = shim + "\ndef helper(): pass\n"
    assert moves_reader.subclass_shim_moves(helper, "airflow/operators/sensors.py") == {}


def test_a_modules_airflow_imports_are_names_it_exports():
    source = '''
import os
from airflow.contrib.hooks.aws_sqs_hook import SQSHook
from airflow.utils.decorators import apply_defaults as defaults
from boto3 import client
try:
    from airflow.hooks.base_hook import BaseHook
except ImportError:
    BaseHook = None
def poke():
    from airflow.models import Variable
'''
    assert moves_reader.imported_airflow_names(source, "airflow/contrib/sensors/aws_sqs_sensor.py") == {
        "airflow.contrib.sensors.aws_sqs_sensor.SQSHook": "airflow.contrib.hooks.aws_sqs_hook.SQSHook",
        "airflow.contrib.sensors.aws_sqs_sensor.defaults": "airflow.utils.decorators.apply_defaults",
        "airflow.contrib.sensors.aws_sqs_sensor.BaseHook": "airflow.hooks.base_hook.BaseHook",
    }


def test_package_level_names_come_from_the_airflow_importer_table():
    source = '''
import sys
_operators = {
    "bash_operator": ["BashOperator"],
    "check_operator": ["CheckOperator", "ValueCheckOperator"],
}
if not _os.environ.get("AIRFLOW_USE_NEW_IMPORTS", False):
    from airflow.utils.helpers import AirflowImporter
    airflow_importer = AirflowImporter(sys.modules[__name__], _operators)
'''
    assert moves_reader.lazy_package_names(source, "airflow.operators") == {
        "airflow.operators.BashOperator": "airflow.operators.bash_operator.BashOperator",
        "airflow.operators.CheckOperator": "airflow.operators.check_operator.CheckOperator",
        "airflow.operators.ValueCheckOperator": "airflow.operators.check_operator.ValueCheckOperator",
    }
    assert moves_reader.lazy_package_names("_operators = {}\n", "airflow.operators") == {}


COMPAT_SDK = '''
from airflow.providers.common.compat._compat_utils import create_module_getattr
_RENAME_MAP: dict[str, tuple[str, str, str]] = {"Asset": ("airflow.sdk", "airflow.datasets", "Dataset")}
_IMPORT_MAP: dict[str, str | tuple[str, ...]] = {
    "dag": ("airflow.sdk", "airflow.decorators"),
    "BaseBranchOperator": ("airflow.sdk.bases.branch", "airflow.providers.standard.operators.branch"),
    "redact": ("airflow.sdk.log", "airflow.sdk._shared.secrets_masker", "airflow.utils.log.secrets_masker"),
    "XCOM_RETURN_KEY": "airflow.models.xcom",
}
_MODULE_MAP: dict[str, str | tuple[str, ...]] = {"timezone": ("airflow.sdk.timezone", "airflow.utils.timezone")}
if AIRFLOW_V_3_0_PLUS:
    _IMPORT_MAP.update(_AIRFLOW_3_ONLY_EXCEPTIONS)
'''


def test_compat_sdk_homes_read_every_table_of_the_common_compat_provider():
    assert moves_reader.compat_sdk_homes(COMPAT_SDK) == {
        "airflow.sdk.Asset": ["airflow.datasets.Dataset"],
        "airflow.sdk.dag": ["airflow.decorators.dag"],
        "airflow.sdk.bases.branch.BaseBranchOperator": ["airflow.providers.standard.operators.branch.BaseBranchOperator"],
        "airflow.sdk.log.redact": ["airflow.sdk._shared.secrets_masker.redact", "airflow.utils.log.secrets_masker.redact"],
        "airflow.sdk.timezone.*": ["airflow.utils.timezone"],
    }  # a name with one home only (XCOM_RETURN_KEY) has no older one


def test_airflow_2_homes_keep_what_airflow_2_defines_and_read_the_deprecations_backwards(tmp_path):
    path = tmp_path / "apache_airflow_providers_common_compat-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(extract.COMPAT_SDK_MEMBER, COMPAT_SDK)
    wheel = wr.Wheel(extract.COMMON_COMPAT, "1.0.0", path)
    airflow_2 = {"airflow.datasets": frozenset({"Dataset"}), "airflow.decorators": frozenset({"dag"}),
                 "airflow.utils.log.secrets_masker": frozenset({"redact"}), "airflow.utils.timezone": frozenset(),
                 "airflow.sensors.base": frozenset({"BaseSensorOperator"}),
                 "airflow.utils.context": frozenset({"Context"})}
    deprecations = {"airflow.sensors.base.BaseSensorOperator": "airflow.sdk.bases.sensor.BaseSensorOperator",
                    # A module as the destination means the name in it, when it defines it.
                    "airflow.utils.context.Context": "airflow.sdk.definitions.context",
                    "airflow.utils.context.context_copy_partial": "airflow.sdk.definitions.context",
                    "airflow.operators.bash.BashOperator": "airflow.providers.standard.operators.bash.BashOperator"}
    sdk = {"airflow.sdk.definitions.context": frozenset({"Context"})}
    assert extract.airflow_2_homes(wheel, deprecations, sdk, airflow_2) == {
        "airflow.sdk.Asset": "airflow.datasets.Dataset",
        "airflow.sdk.bases.sensor.BaseSensorOperator": "airflow.sensors.base.BaseSensorOperator",
        "airflow.sdk.dag": "airflow.decorators.dag",
        "airflow.sdk.definitions.context.Context": "airflow.utils.context.Context",
        "airflow.sdk.log.redact": "airflow.utils.log.secrets_masker.redact",
        "airflow.sdk.timezone.*": "airflow.utils.timezone",
    }  # BaseBranchOperator: only a provider had it; a provider's move is not the Task SDK's


def test_kubernetes_inventory_holds_the_models_the_roots_reach(tmp_path):
    models = "kubernetes/client/models/"
    files = {
        models + "__init__.py": "from kubernetes.client.models.v1_volume import V1Volume\n"
                                "from kubernetes.client.models.v1_host_path_volume_source import V1HostPathVolumeSource\n"
                                "from kubernetes.client.models.v1_pod import V1Pod\n",
        models + "v1_volume.py": "class V1Volume(object):\n"
                                 "    openapi_types = {'host_path': 'V1HostPathVolumeSource', 'name': 'str'}\n"
                                 "    attribute_map = {'host_path': 'hostPath', 'name': 'name'}\n",
        models + "v1_host_path_volume_source.py": "class V1HostPathVolumeSource(object):\n"
                                                  "    openapi_types = {'path': 'str', 'type': 'str'}\n"
                                                  "    attribute_map = {'path': 'path', 'type': 'type'}\n",
        models + "v1_pod.py": "class V1Pod(object):\n    openapi_types = {}\n    attribute_map = {}\n",
    }
    path = tmp_path / "kubernetes-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    document = extract.kubernetes_inventory(wr.Wheel("kubernetes", "1.0.0", path), ["V1Volume"])
    assert document["modules"] == {"kubernetes.client.models": ["V1HostPathVolumeSource", "V1Pod", "V1Volume"]}
    assert document["models"] == {
        "V1HostPathVolumeSource": {"path": ["path", "str"], "type": ["type", "str"]},
        "V1Volume": {"host_path": ["hostPath", "V1HostPathVolumeSource"], "name": ["name", "str"]},
    }
    with pytest.raises(generated_files.GenerationError, match="V1Nothing"):
        extract.kubernetes_inventory(wr.Wheel("kubernetes", "1.0.0", path), ["V1Nothing"])


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
    assert api_reader.attrs_init_parameters(source, "DAG") == ["dag_id", "other_name", "private", "schedule"]


def test_deprecated_options_both_formats():
    old = '''
class AirflowConfigParser:
    deprecated_options = {"scheduler": {"parsing_processes": "max_threads"}}
'''
    new = '''
class AirflowConfigParser:
    deprecated_options: dict = {("api", "port"): ("webserver", "web_server_port", "3.0")}
'''
    assert api_reader.deprecated_options(old)["renamed"] == [
        {"old": "scheduler.max_threads", "new": "scheduler.parsing_processes", "since": None}]
    assert api_reader.deprecated_options(new)["renamed"] == [
        {"old": "webserver.web_server_port", "new": "api.port", "since": "3.0"}]


def test_configs_changes_reads_config_parameters():
    source = '''
CONFIGS_CHANGES = [
    ConfigChange(config=ConfigParameter("core", "dag_concurrency"),
                 renamed_to=ConfigParameter("core", "max_active_tasks_per_dag")),
    ConfigChange(config=ConfigParameter("webserver", option="auth_rate_limit"), suggestion="gone"),
]
'''
    assert api_reader.configs_changes(source) == [
        {"config": "core.dag_concurrency", "renamed_to": "core.max_active_tasks_per_dag"},
        {"config": "webserver.auth_rate_limit", "suggestion": "gone"},
    ]


def test_lazy_import_formats():
    assert moves_reader.lazy_imports('__lazy_imports = {"DAG": (".sdk", "DAG", False), "version": (".version", "", False)}',
                           "airflow") == {"DAG": "airflow.sdk.DAG", "version": "airflow.version"}
    assert moves_reader.lazy_imports('__lazy_imports = {"Asset": ".definitions.asset"}', "airflow.sdk") == {
        "Asset": "airflow.sdk.definitions.asset.Asset"}


def test_checked_in_data_has_provenance_on_every_file():
    files = sorted(GENERATED.rglob("*.json"))
    assert len(files) > 100
    for path in files:
        document = json.loads(path.read_text())
        text = json.dumps(document)
        # a wheel's distribution==version, or the image repository's commit
        assert '"sha256"' in text and ("==" in text or '"commit"' in text), path
    total = sum(p.stat().st_size for p in files)
    # About 3.4 MB of tables and inventories plus 2.6 MB of operator signatures (signatures/).
    assert total < 7_000_000, f"generated data grew to {total} bytes"


@pytest.mark.network
def test_regenerating_from_pypi_reproduces_checked_in_data(tmp_path):
    out = tmp_path / "generated"
    written = generate.generate(out, wheel_cache.WheelCache(wheel_cache.DEFAULT_CACHE), MWAA_DATA,
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
