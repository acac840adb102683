"""MWAA facts: shape of the hand-kept data, the API over it, and agreement with the copies of
the MWAA images' files in shared/mwaa-data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from kb_paths import MWAA_DATA
from migrator.compat import (
    UnknownTargetError,
    config_policy,
    environment_classes,
    essential_pin_names,
    get_version,
    mwaa_versions,
    newest_version,
    preinstalled_providers,
    supported_versions,
    upgrade_path,
    upgrade_plan,
)
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from migrator import compat

DATA = Path(compat.__file__).parent / "data"
# Versions whose image files are copied into shared/mwaa-data (IMG publishes nothing older).
IMAGED_VERSIONS = ["2.9.2", "2.10.1", "2.10.3", "2.11.0", "2.11.2", "3.0.6", "3.2.1", "3.3.1"]


def read_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        pins[canonicalize_name(requirement.name)] = str(requirement.specifier).lstrip("=")
    return pins


def test_shared_data_present_for_every_imaged_version():
    assert sorted(p.name for p in MWAA_DATA.iterdir() if p.is_dir()) == sorted(IMAGED_VERSIONS)


def test_versions_sorted_and_statuses():
    versions = mwaa_versions()
    assert [v.version for v in versions] == sorted(v.version for v in versions)
    # The versions the user guide listed as supported on its 2026-11-23 reading; MWAA adding a
    # newer one is a row of data, not a change of this test.
    assert {"2.7.2", "2.8.1", "2.9.2", "2.10.1", "2.10.3", "2.11.0", "2.11.2", "3.0.6", "3.2.1",
            "3.3.1"} <= {v.airflow for v in supported_versions()}
    for version in versions:
        assert (version.end_of_support is None) == version.is_supported, version
        assert version.source and version.date


def test_newest_is_default_target():
    assert newest_version() == max(supported_versions(), key=lambda v: v.version)
    assert get_version(None) is newest_version()
    assert get_version("v3.3.1").airflow == "3.3.1"
    assert get_version("2.11.2").major == 2


def test_newest_of_a_major_follows_the_data():
    for major in {v.major for v in supported_versions()}:
        newest = newest_version(major=major)
        assert newest.major == major
        assert all(v.version <= newest.version for v in supported_versions() if v.major == major)
    assert newest_version(major=newest_version().major) is newest_version()
    with pytest.raises(UnknownTargetError):
        newest_version(major=1)


@pytest.mark.parametrize("text", ["9.9.9", "banana", "2.6.3"])
def test_unknown_or_retired_target_lists_supported(text):
    with pytest.raises(UnknownTargetError) as caught:
        get_version(text)
    assert "2.11.2" in str(caught.value) and "3.3.1" in str(caught.value)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("version", IMAGED_VERSIONS)
def test_constraints_url_and_python_match_the_image(version):
    target = get_version(version)
    header = (MWAA_DATA / version / "mwaa_essential_constraints.txt").read_text()
    assert target.constraints_url in header
    assert target.constraints_url.endswith(f"constraints-{target.python}.txt")


@pytest.mark.parametrize("version", IMAGED_VERSIONS)
def test_essential_pin_names_equal_the_image_file(version):
    pins = read_pins(MWAA_DATA / version / "mwaa_essential_constraints.txt")
    assert essential_pin_names(version) == frozenset(pins)


@pytest.mark.parametrize("version", IMAGED_VERSIONS)
def test_preinstalled_providers_agree_with_bom_and_constraints(version):
    ours = preinstalled_providers(version)
    bom = {name: pin for name, pin in read_pins(MWAA_DATA / version / "preinstalled.txt").items()
           if name.startswith("apache-airflow-providers-")}
    # Every provider the BOM copy names is in our table with the same version.
    for name, pin in bom.items():
        assert ours.get(name) == pin, (version, name)
    # Some BOM copies name only a few providers (3.0.6 only fab); where the BOM names the
    # amazon provider, which every image carries, it lists them all and must match exactly.
    # 2.11.2's copy omits fab (as it omits apache-airflow itself): see the note in the data.
    if "apache-airflow-providers-amazon" in bom:
        expected = dict(bom)
        if version == "2.11.2":
            expected["apache-airflow-providers-fab"] = "1.5.4"
        assert ours == expected
    # The image installs with Apache's constraints, so any pinned provider matches them.
    constraints = read_pins(MWAA_DATA / version / "airflow_constraints.txt")
    for name, pin in ours.items():
        if name in constraints:
            assert constraints[name] == pin, (version, name)


def test_standard_provider_only_on_airflow_3():
    assert "apache-airflow-providers-standard" in preinstalled_providers("3.3.1")
    assert "apache-airflow-providers-standard" not in preinstalled_providers("2.11.2")
    assert "apache-airflow-providers-ssh" not in preinstalled_providers("3.3.1")


def test_upgrade_minor_in_place():
    plan = upgrade_plan("2.11.0", "2.11.2")
    assert [(s.method, s.to_version) for s in plan] == [("in_place", "2.11.2")]
    assert upgrade_path("3.0.6", "3.3.1") == ["3.0.6 -> 3.3.1 (in place)"]
    assert upgrade_plan("3.3.1", "3.3.1") == []


def test_upgrade_to_3_goes_through_latest_2_11():
    plan = upgrade_plan("2.11.0", "3.3.1")
    assert [(s.from_version, s.to_version, s.method) for s in plan] == [
        ("2.11.0", "2.11.2", "in_place"),
        ("2.11.2", "3.3.1", "in_place"),
    ]
    assert "2.11" in plan[0].note


@pytest.mark.parametrize("source", ["2.10.3", "2.9.2", "2.7.2", "1.10.15", "2.7.3"])
def test_upgrade_to_3_from_old_versions_needs_new_environment(source):
    plan = upgrade_plan(source, "3.3.1")
    assert [(s.method, s.to_version) for s in plan] == [("new_environment", "3.3.1")]
    assert "new environment" in plan[0].note


def test_downgrade_3_to_2_11_in_place_only():
    assert upgrade_plan("3.3.1", "2.11.2")[0].method == "in_place"
    assert upgrade_plan("3.3.1", "2.10.3")[0].method == "new_environment"


def test_environment_classes():
    classes = environment_classes()
    assert [c.name for c in classes] == [
        "mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge"
    ]
    small = classes[1]
    assert (small.dag_capacity, small.default_tasks_per_worker) == (50, 5)
    assert small.workers.maximum == 25 and small.workers.maximum_with_quota == 50
    assert small.default_max_workers == 10
    assert not classes[0].worker_autoscaling and classes[0].schedulers.maximum == 1
    for environment_class in classes:
        # 2 parsing threads per scheduler vCPU, one kept for the scheduler itself.
        assert environment_class.parsing_processes_limit == 2 * environment_class.scheduler.vcpu - 1
        assert environment_class.worker_autoscale_default == (
            f"{environment_class.default_tasks_per_worker},"
            f"{environment_class.default_tasks_per_worker}"
        )


def test_config_policy_by_target():
    policy = config_policy("3.3.1")
    assert policy.forced_option("AIRFLOW__CORE__EXECUTOR").value == "CeleryExecutor"
    assert policy.forced_option("metrics.statsd_host") is not None
    assert policy.rejected_option("core.multi_team") is not None
    assert config_policy("2.11.2").rejected_option("core.multi_team") is None
    assert policy.ignored_option("celery.worker_concurrency") is not None
    assert policy.protected_env_var("AIRFLOW__CORE__PARALLELISM") is not None
    assert policy.protected_env_var("MWAA__CORE__ANYTHING") is not None
    assert policy.protected_env_var("MY_OWN_VAR") is None
    assert policy.protected_env_var("PYTHONPATH") is not None
    assert config_policy("2.8.1").protected_env_var("PYTHONPATH") is None
    assert policy.in_dropdown("triggerer.capacity") and not policy.in_dropdown("triggerer.default_capacity")
    assert config_policy("2.11.2").in_dropdown("triggerer.default_capacity")
    assert policy.mwaa_default("scheduler.task_queued_timeout").value == "1800"
    assert policy.is_valid_key("foo.user") and not policy.is_valid_key("Foo.User")
    # the local runner image's web UI login, whatever its tag or digest
    for image in ("amazon/mwaa-local:2_8", "amazon/mwaa-local", "amazon/mwaa-local@sha256:0a1b"):
        assert policy.local_runner_login(image, "DEFAULT_PASSWORD"), image
    assert not policy.local_runner_login("amazon/mwaa-local:2_8", "OAUTH_APP_SECRET")
    assert not policy.local_runner_login("postgres:16", "DEFAULT_PASSWORD")
    assert not policy.local_runner_login(None, "DEFAULT_PASSWORD")
    # a stock image's own login variables, not another service's secrets
    assert policy.stand_in_login("minio/minio:RELEASE.2024-01-01T00-00-00Z", "MINIO_ROOT_PASSWORD")
    assert policy.stand_in_login("postgres:16", "POSTGRES_PASSWORD")
    assert not policy.stand_in_login("apache/airflow:2.10.5", "MINIO_ROOT_PASSWORD")
    assert not policy.stand_in_login(None, "POSTGRES_PASSWORD")


def test_every_hand_kept_entry_has_source_and_date():
    versions = json.loads((DATA / "mwaa_versions.json").read_text())
    assert all(row["source"] and re.fullmatch(r"\d{4}-\d\d-\d\d", row["date"])
               for row in versions["versions"])
    packages = json.loads((DATA / "mwaa_packages.json").read_text())
    for block in ("essential_pins", "preinstalled_providers"):
        for version, entry in packages[block].items():
            assert entry["source"] and entry["date"], (block, version)
            assert entry["confirmed"] or "UNCONFIRMED" in entry["source"], (block, version)
    policy = json.loads((DATA / "config_policy.json").read_text())
    for block in ("forced", "rejected", "ignored", "protected_env_vars", "dropdown", "mwaa_defaults",
                  "metadata_database_containers", "local_runner_logins", "stand_in_logins"):
        assert policy[block]["source"], block


def _linear_first_match(rows, option):
    """What the policy lookups answered before they were indexed: the first matching row."""
    return next((row for row in rows if row.matches(option)), None)


@pytest.mark.parametrize("target", [None, *(v.airflow for v in compat.supported_versions())])
def test_option_index_answers_as_the_linear_scan_over_every_policy_row(target):
    policy = compat.config_policy(target)
    blocks = {"forced": policy.forced_option, "rejected": policy.rejected_option,
              "ignored": policy.ignored_option, "mwaa_defaults": policy.mwaa_default}
    every_row = [row for name in (*blocks, "dropdown") for row in getattr(policy, name)]
    # Each row's own option in its three spellings, a key of each row's section the policy
    # does not name (what a whole-section row catches), and names no row has.
    questions = {"core.no_such_option", "nosection.x", "", "core"}
    for row in every_row:
        questions |= {row.option, row.option.upper(), row.env_var, f"[{row.section}] {row.key}",
                      f"{row.section}.not_a_real_key_{row.section}", row.section}
    for name, lookup in blocks.items():
        for question in questions:
            assert lookup(question) is _linear_first_match(getattr(policy, name), question), (name, question)
    for question in questions:
        assert policy.in_dropdown(question) == (_linear_first_match(policy.dropdown, question) is not None)


def test_a_version_handed_to_a_worker_is_the_same_cache_key():
    """Rules key their lookups by the target: the copy a worker process unpickles must find
    what the parent's cached, and equal versions hash alike."""
    import pickle
    from dataclasses import replace

    target = newest_version()
    copy = pickle.loads(pickle.dumps(target))
    assert copy == target and hash(copy) == hash(target) and {target: 1}[copy] == 1
    assert replace(target, source="elsewhere") != target  # equality still reads every field
    assert target.version is target.version  # parsed once
