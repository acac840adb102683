"""Setting defaults: the API over airflow_defaults.json, the shape of the hand-kept data, and (with
the package registry) agreement with the config.yml and sensor code of the released wheels."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml
from packaging.version import Version

from migrator import compat

airflow_default = compat.airflow_default
mwaa_default = compat.mwaa_default
recorded_settings = compat.recorded_settings

DATA = Path(compat.__file__).parent / "data"
DEFAULTS = json.loads((DATA / "airflow_defaults.json").read_text())
# Releases the Airflow values were read from: the oldest sources the tool migrates, then every
# MWAA target.
CHECKED_RELEASES = ["1.10.15", "2.0.2", *(v.airflow for v in compat.supported_versions())]


def test_values_the_tool_relies_on():
    for version in ("2.9.2", "2.11.2", "3.0.6", "3.3.1"):
        assert airflow_default("core.parallelism", version).value == 32
        assert airflow_default("core.max_active_runs_per_dag", version).value == 16
        assert airflow_default("core.max_active_tasks_per_dag", version).value == 16
        assert airflow_default("core.default_pool_task_slot_count", version).value == 128
        assert airflow_default("core.dagbag_import_timeout", version).value == 30.0
        assert airflow_default("core.dag_file_processor_timeout", version).value == 50.0
        assert airflow_default("scheduler.min_file_process_interval", version).value == 30
        assert airflow_default("scheduler.dag_dir_list_interval", version).value == 300
        assert airflow_default("BaseSensorOperator.poke_interval", version).value == 60.0
    assert airflow_default("scheduler.min_file_process_interval", "1.10.15").value == 0


def test_a_setting_answers_in_the_spelling_of_the_version():
    on_3 = airflow_default("scheduler.min_file_process_interval", "3.3.1")
    assert on_3.name == "dag_processor.min_file_process_interval"
    assert on_3.env_var == "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL"
    assert airflow_default("dag_processor.refresh_interval", "2.11.2").name == "scheduler.dag_dir_list_interval"
    assert airflow_default("scheduler.dag_dir_list_interval", "3.0.6").name == "dag_processor.refresh_interval"
    assert airflow_default("core.dag_file_processor_timeout", "3.2.1").name == (
        "dag_processor.dag_file_processor_timeout")
    assert airflow_default("core.max_active_tasks_per_dag", "2.0.2").name == "core.dag_concurrency"
    assert airflow_default("core.dag_concurrency", "2.2.0").name == "core.max_active_tasks_per_dag"
    assert airflow_default("AIRFLOW__CORE__PARALLELISM", "2.11.2").name == "core.parallelism"
    poke = airflow_default("BaseSensorOperator.poke_interval", "3.3.1")
    assert poke.kind == "argument" and poke.env_var is None


def test_airflowignore_syntax_changed_in_airflow_3():
    syntax = {v: airflow_default("core.dag_ignore_file_syntax", v).value
              for v in ("1.10.15", "2", "2.2.5", "2.3.0", "2.11.2", "3", "3.0.6", "3.3.1")}
    assert syntax == {"1.10.15": "regexp", "2": "regexp", "2.2.5": "regexp", "2.3.0": "regexp",
                      "2.11.2": "regexp", "3": "glob", "3.0.6": "glob", "3.3.1": "glob"}
    assert "before 2.3.0" in airflow_default("core.dag_ignore_file_syntax", "2.0.2").note


def test_mwaa_values_win_where_recorded():
    parallelism = mwaa_default("core.parallelism", "2.11.2")
    assert (parallelism.value, parallelism.set_by, parallelism.confirmed) == (10000, "mwaa", True)
    # Airflow 3: no source says what MWAA sets, so Airflow's default comes back as unconfirmed.
    on_3 = mwaa_default("core.parallelism", "3.3.1")
    assert (on_3.value, on_3.set_by, on_3.confirmed) == (32, "airflow", False)
    assert on_3.note.startswith("UNCONFIRMED")
    dag_concurrency = mwaa_default("core.max_active_tasks_per_dag", "2.11.2")
    assert (dag_concurrency.value, dag_concurrency.confirmed) == (10000, False)
    # Nothing recorded for MWAA: Airflow's default of the target, as Airflow states it.
    runs = mwaa_default("core.max_active_runs_per_dag", "3.3.1")
    assert (runs.value, runs.set_by, runs.confirmed) == (16, "airflow", True)
    assert mwaa_default("core.dagbag_import_timeout", "2.11.2").value == 30.0
    assert mwaa_default("core.dagbag_import_timeout").airflow_version == compat.newest_version().airflow
    parse_interval = mwaa_default("scheduler.min_file_process_interval", "3.3.1")
    assert (parse_interval.name, parse_interval.value, parse_interval.confirmed) == (
        "dag_processor.min_file_process_interval", 30, False)


def test_unknown_setting_version_or_target():
    with pytest.raises(compat.UnknownSettingError, match="core.parallelism"):
        airflow_default("core.no_such_option", "2.11.2")
    with pytest.raises(KeyError):
        mwaa_default("webserver.nothing", "3.3.1")
    with pytest.raises(ValueError, match="not an Airflow version"):
        airflow_default("core.parallelism", "latest")
    with pytest.raises(compat.UnknownTargetError):
        mwaa_default("core.parallelism", "2.4.3")


@pytest.mark.parametrize("name", recorded_settings())
def test_every_setting_has_one_spelling_and_one_value_per_release(name):
    for version in [*CHECKED_RELEASES, "2.2.0", "2.3.0", "3.0.0"]:
        result = airflow_default(name, version)
        assert result.name in recorded_settings()
        assert result.source and result.date


def test_every_hand_kept_value_has_source_date_and_unconfirmed_marked():
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", DEFAULTS["date"])
    for setting in DEFAULTS["settings"]:
        assert setting["kind"] in ("config", "argument") and setting["type"] in ("int", "float", "str")
        for row in setting["airflow"] + setting["mwaa"]:
            assert row["source"] and re.fullmatch(r"\d{4}-\d\d-\d\d", row["date"]), row
        for row in setting["mwaa"]:
            assert row["confirmed"] or row["note"].startswith("UNCONFIRMED"), row
            assert row["value"] is not None or not row["confirmed"], row


# -- agreement with the released wheels ---------------------------------------------------------


def _releases() -> list[tuple[str, str, str, str | None]]:
    """(Airflow version, distribution holding config.yml, its version, task-SDK version)."""
    targets = json.loads((DATA / "generated" / "targets.json").read_text())["targets"]
    rows = [("1.10.15", "apache-airflow", "1.10.15", None), ("2.0.2", "apache-airflow", "2.0.2", None)]
    for version, target in sorted(targets.items(), key=lambda item: Version(item[0])):
        rows.append((version, target["core"]["distribution"], target["core"]["version"], target["task_sdk"]))
    return rows


def _config_defaults(text: str) -> dict[str, str | None]:
    """``section.option`` -> default string, from either layout of config.yml."""
    document = yaml.safe_load(text)
    found: dict[str, str | None] = {}
    if isinstance(document, list):  # Airflow 1.10 and 2.0: a list of sections
        for section in document:
            for option in section["options"]:
                found[f"{section['name']}.{option['name']}"] = option.get("default")
    else:
        for section, body in document.items():
            for option, spec in body.get("options", {}).items():
                found[f"{section}.{option}"] = spec.get("default")
    return found


def _init_default(source: str, class_name: str, argument: str) -> object:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    arguments = item.args
                    positional = arguments.posonlyargs + arguments.args
                    defaults = dict(zip([a.arg for a in positional[len(positional) - len(arguments.defaults):]],
                                        arguments.defaults))
                    defaults.update({a.arg: d for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d})
                    return ast.literal_eval(defaults[argument])
    raise AssertionError(f"{class_name}.__init__ not found")


def _getint_fallback(source: str, key: str) -> object:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and any(
                k.arg == "key" and isinstance(k.value, ast.Constant) and k.value.value == key
                for k in node.keywords):
            return next(ast.literal_eval(k.value) for k in node.keywords if k.arg == "fallback")
    raise AssertionError(f"no conf lookup of {key!r}")


SENSOR_MODULES = ("airflow/sdk/bases/sensor.py", "airflow/sensors/base.py",
                  "airflow/sensors/base_sensor_operator.py")


@pytest.mark.network
def test_airflow_values_match_the_released_wheels():
    from migrator.compat.wheel_cache import DEFAULT_CACHE, WheelCache

    cache = WheelCache(DEFAULT_CACHE)
    compared = 0
    for version, distribution, dist_version, sdk_version in _releases():
        wheel = cache.get(distribution, dist_version)
        config = _config_defaults(wheel.read("airflow/config_templates/config.yml"))
        sensor_wheel = cache.get("apache-airflow-task-sdk", sdk_version) if sdk_version else wheel
        sensor_module = next(m for m in SENSOR_MODULES if sensor_wheel.has(m))
        for name in recorded_settings():
            recorded = airflow_default(name, version)
            if recorded.kind == "argument":
                class_name, argument = recorded.name.split(".")
                actual = _init_default(sensor_wheel.read(sensor_module), class_name, argument)
            elif recorded.name in config:
                actual = config[recorded.name]
            elif recorded.name == "core.non_pooled_task_slot_count":
                actual = _getint_fallback(wheel.read("airflow/utils/db.py"), "non_pooled_task_slot_count")
            else:
                # Not an option on this release: the record must say what applies instead.
                assert recorded.note, (name, version)
                continue
            assert type(recorded.value)(actual) == recorded.value, (name, version, actual)
            compared += 1
    assert compared >= 9 * len(_releases())
