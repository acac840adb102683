"""Exact pins whose own dependencies conflict with the target's constraints ("companion pins",
awscli pinning botocore) move to the newest release that fits, found by binary search over the
releases' metadata; offline, nothing changes and a check says what was not checked."""

from __future__ import annotations

import pytest
from migrator.compat import get_version
from packaging.version import Version
from test_requirements_install_oracle import pip_installs

from migrator.analysis.requirements import OFFLINE_ENV, Constraints, target_constraints
from migrator.bundle.build import package_checks
from migrator.bundle.facts import FactsDraft
from migrator.bundle.requirements import requirements_with_fitting_companions
from migrator.cache import CACHE_ENV_VAR
from migrator.companion_pins import (
    NEWER,
    OLDER,
    companion_moves,
    dependency_conflicts,
    newest_fitting,
)
from migrator.package_index import IndexUnavailable, PackageIndex, Release

TARGET = get_version("3.3.1")
CONSTRAINTS = Constraints("test", {"corelib": "1.6.0", "yaml": "6.0"})


class FakeIndex:
    """Releases 1.0.0 .. 1.19.0 of ``cli``, release 1.N pinning corelib==1.N.0 (as awscli pins
    botocore); counts the metadata reads."""

    def __init__(self, extra_requirement: str = "yaml>=5") -> None:
        self.extra = extra_requirement
        self.reads = 0

    def releases(self, name, python):
        if name != "cli":
            raise IndexUnavailable(f"{name}: HTTP 404")
        return [Release(Version(f"1.{n}.0"), f"https://index/cli-1.{n}.0.whl", True, None) for n in range(20)]

    def metadata(self, release):
        self.reads += 1
        return type("Metadata", (), {"requires_dist": (f"corelib=={release.version}", self.extra)})()


def test_a_pin_behind_the_constraints_moves_forward_to_the_release_that_fits_in_few_reads():
    index = FakeIndex()
    moves, unchecked = companion_moves("# tools\ncli==1.2.0\n", TARGET, CONSTRAINTS, index)
    assert unchecked == []
    assert [(m.line, m.requirement, m.replacement) for m in moves] == [(2, "cli==1.2.0", "cli==1.6.0")]
    assert "corelib==1.2.0 (the constraints pin 1.6.0)" in moves[0].reason
    assert index.reads <= 12  # binary search: about 2*log2(20), not one read per release


def test_a_pin_ahead_of_the_constraints_moves_back():
    moves, _ = companion_moves("cli[extra]==1.15.0 ; python_version >= '3'\n", TARGET, CONSTRAINTS, FakeIndex())
    assert moves[0].replacement == 'cli[extra]==1.6.0; python_version >= "3"'


def test_no_release_fits_says_what_the_newest_requires():
    moves, _ = companion_moves("cli==1.2.0\n", TARGET, CONSTRAINTS, FakeIndex("yaml<5"))
    assert moves[0].replacement is None
    assert "no release fits: the newest, 1.19.0, requires corelib==1.19.0 (the constraints pin 1.6.0) (+1 more)" \
        in moves[0].reason


def test_pins_that_fit_or_are_constrained_themselves_stay_and_unknown_ones_are_reported():
    text = "cli==1.6.0\ncorelib==1.0.0\nprivate-lib==2.0\nranged>=1\n"
    moves, unchecked = companion_moves(text, TARGET, CONSTRAINTS, FakeIndex())
    assert moves == [] and unchecked == ["private-lib==2.0 (private-lib: HTTP 404)"]


def test_dependency_conflicts_read_markers_and_directions():
    requires = ["corelib==1.2.0", "corelib>=2; python_version < '3'", "yaml<5", "yaml>7 ; extra == 'new'",
                "other==1.0"]
    conflicts = dependency_conflicts(requires, CONSTRAINTS, TARGET)
    assert [(c.requirement, c.direction) for c in conflicts] == [("corelib==1.2.0", NEWER), ("yaml<5", NEWER)]
    assert [c.direction for c in dependency_conflicts(["yaml>7 ; extra == 'new'"], CONSTRAINTS, TARGET,
                                                      ["new"])] == [OLDER]


def test_newest_fitting_of_no_releases_is_none():
    assert newest_fitting([], lambda release: []) is None


def test_offline_nothing_changes_and_a_check_names_the_unchecked_pins(tmp_path, monkeypatch):
    monkeypatch.setenv(OFFLINE_ENV, "1")
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path))
    found = FactsDraft(target_airflow=TARGET.airflow)
    text = "awscli==1.19.110\n"
    assert requirements_with_fitting_companions(text, TARGET, target_constraints(TARGET), found) == text
    checks = package_checks(found.freeze())
    assert [c.code for c in checks] == ["requirement-dependencies-unchecked"]
    assert "awscli==1.19.110" in checks[0].message and OFFLINE_ENV in checks[0].message


@pytest.mark.network
def test_the_moved_pin_installs_by_pip_s_resolver_and_the_original_does_not(tmp_path):
    text = "grpcio-health-checking==1.80.0\n"  # requires grpcio>=1.80, the constraints pin 1.78.0
    found = FactsDraft(target_airflow=TARGET.airflow)
    fixed = requirements_with_fitting_companions(text, TARGET, target_constraints(TARGET), found)
    checks = package_checks(found.freeze())
    assert "grpcio-health-checking==1.78.0" in fixed.splitlines()
    assert [c.code for c in checks] == ["requirement-version-moved"]
    assert pip_installs(text, TARGET, tmp_path).returncode != 0
    after = pip_installs(fixed, TARGET, tmp_path)
    assert after.returncode == 0, after.stderr[-2000:]


@pytest.mark.network
def test_awscli_v1_fits_no_release_of_the_3_3_1_constraints():
    moves, unchecked = companion_moves("awscli==1.19.110\n", TARGET, target_constraints(TARGET), PackageIndex())
    assert unchecked == [] and moves[0].replacement is None
    assert "botocore" in moves[0].reason and "rsa" in moves[0].reason
