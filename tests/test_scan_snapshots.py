"""`migrator scan -f json` on the example project, once per supported MWAA target, compared with
the reviewed snapshots in tests/snapshots/ (README there: what they hold and how to update them).

A new MWAA version is data in compat plus one more snapshot written by the update command; a
changed finding shows up as a diff of the snapshot in review."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from conftest import EXAMPLE_PROJECT
from migrator.compat import supported_versions

from migrator.cli import main

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE_COMMAND = ".venv/bin/pytest tests/test_scan_snapshots.py --snapshot-update"
TARGETS = [version.airflow for version in supported_versions()]
# The one part of the report that varies with the checkout: where the example project is.
PROJECT_PLACEHOLDER = "<example-project>"
DIFF_LINES_SHOWN = 200


def snapshot_path(target: str) -> Path:
    return SNAPSHOTS / f"scan-{target}.json"


def scan_report(target: str, out: Path) -> str:
    code = main(["scan", str(EXAMPLE_PROJECT), "-f", "json", "--target", target, "-j", "1", "--no-cache", "-q",
                 "-o", str(out)])
    assert code in (0, 1), f"scan exited {code}"
    return out.read_text(encoding="utf-8").replace(EXAMPLE_PROJECT.as_posix(), PROJECT_PLACEHOLDER)


def readable_diff(expected: str, actual: str, name: str) -> str:
    diff = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(), f"{name} (snapshot)",
                                     f"{name} (this scan)", lineterm="", n=1))
    shown = diff[:DIFF_LINES_SHOWN]
    if len(diff) > len(shown):
        shown.append(f"... {len(diff) - len(shown)} more diff lines")
    return "\n".join(shown)


@pytest.mark.parametrize("target", TARGETS)
def test_scan_of_the_example_matches_its_snapshot(target, tmp_path, request):
    actual = scan_report(target, tmp_path / "report.json")
    snapshot = snapshot_path(target)
    if request.config.getoption("--snapshot-update"):
        snapshot.write_text(actual, encoding="utf-8")
        return
    assert snapshot.is_file(), f"no snapshot for target {target}: write it with `{UPDATE_COMMAND}`"
    expected = snapshot.read_text(encoding="utf-8")
    if actual != expected:
        pytest.fail(f"the scan on target {target} differs from {snapshot.name}:\n"
                    f"{readable_diff(expected, actual, snapshot.name)}\n"
                    f"If the change is intended, update the snapshots with `{UPDATE_COMMAND}` and review "
                    f"their diff.", pytrace=False)


def test_there_is_a_snapshot_for_each_supported_target_and_no_other(request):
    expected = {snapshot_path(target).name for target in TARGETS}
    stale = {path.name for path in SNAPSHOTS.glob("scan-*.json")} - expected
    if request.config.getoption("--snapshot-update"):
        for name in stale:
            (SNAPSHOTS / name).unlink()
        return
    assert stale == set(), f"snapshots of targets no longer supported: remove them with `{UPDATE_COMMAND}`"
