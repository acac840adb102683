"""Renamed rule ids (``migrator.rule_ids``): our ``AIR`` family is ``API`` now, since ruff's
Airflow rules use ``AIR`` with other meanings. Old ids keep working for one release wherever a
user names a rule, with one deprecation notice; fingerprints do not change."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from migrator.compat import get_version

from migrator.cli import main
from migrator.config import Settings
from migrator.engine import scan
from migrator.rule_ids import RENAMED_FAMILIES, current_id, first_id
from migrator.rules import all_rules

# API001 (moved import, line 2) and API003 (schedule_interval, line 3) on Airflow 3.
DAG = ("from airflow import DAG\nfrom airflow.operators.bash_operator import BashOperator\n"
       "with DAG('d', schedule_interval='@daily', catchup=False) as dag:\n"
       "    BashOperator(task_id='t', bash_command='true')\n")
NOTICE = "deprecated rule ids"
RUFF_PREFIXES = Path(__file__).parent / "data" / "ruff_code_prefixes.json"


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def rules_found(out: str) -> list[str]:
    return sorted(f["rule"] for f in json.loads(out)["findings"])


def test_old_ids_and_families_map_to_the_new_ones():
    assert [current_id(s) for s in ("AIR001", "air", "AIR0", "API001", "AIRFLOW", "MWA001", "moved-import")] == \
        ["API001", "API", "API0", "API001", "AIRFLOW", "MWA001", "moved-import"]
    assert (first_id("API001"), first_id("MWA001")) == ("AIR001", "MWA001")


@pytest.mark.parametrize(("option", "expected"), [("--select", ["API001"]), ("--ignore", ["API003"])])
def test_an_old_id_in_an_option_selects_the_renamed_rule(make_project, capsys, option, expected):
    root = make_project({"dags/d.py": DAG})
    code, out, err = run(["scan", str(root), "-f", "json", option, "AIR001", option, "AIR001,AIR001"], capsys)
    assert code == 1 and rules_found(out) == expected
    assert err.count(NOTICE) == 1 and "AIR001 -> API001" in err


def test_old_ids_in_the_settings_and_per_path_ignores(make_project, capsys):
    root = make_project({"dags/d.py": DAG,
                         ".migrator.toml": 'ignore = ["AIR001"]\n[per-path-ignores]\n"dags/*" = ["AIR"]\n'})
    code, out, err = run(["scan", str(root), "-f", "json"], capsys)
    assert code == 0 and rules_found(out) == []
    assert err.count(NOTICE) == 1 and "AIR001 -> API001, AIR -> API" in err


def test_an_old_id_in_an_inline_ignore_silences_the_renamed_rule_with_one_notice(make_project, capsys):
    ignored = DAG.replace("BashOperator\n", "BashOperator  # migrator: ignore[AIR001]\n", 1)
    root = make_project({"dags/d.py": ignored, "dags/e.py": ignored.replace("'d'", "'e'")})
    code, out, err = run(["scan", str(root), "-f", "json"], capsys)
    assert code == 1 and rules_found(out) == ["API003", "API003"]
    assert json.loads(out)["summary"]["suppressed"] == 2
    assert err.count(NOTICE) == 1 and "AIR001 -> API001" in err


def test_a_current_id_prints_no_notice(make_project, capsys):
    root = make_project({"dags/d.py": DAG.replace("BashOperator\n", "BashOperator  # migrator: ignore[API001]\n", 1)})
    code, out, err = run(["scan", str(root), "-f", "json", "--ignore", "API003"], capsys)
    assert code == 0 and rules_found(out) == [] and NOTICE not in err


def test_explain_an_old_id(capsys):
    code, out, err = run(["explain", "AIR001"], capsys)
    assert code == 0 and out.startswith("API001 moved-import ")
    assert err.count(NOTICE) == 1 and "AIR001 -> API001" in err


def test_fingerprints_hash_the_first_id(make_project):
    """Release 0.1.0 hashed "AIR001": the renamed rule's findings keep those fingerprints."""
    root = make_project({"dags/d.py": DAG})
    result = scan(root, Settings(), get_version("3.3.1"), jobs=1, use_cache=False)
    assert sorted(f.rule for f in result.findings) == ["API001", "API003"]
    for finding in result.findings:
        old = "\x1f".join((finding.rule.replace("API", "AIR"), finding.path, finding.anchor or finding.message, "0"))
        assert finding.fingerprint == hashlib.sha256(old.encode()).hexdigest()[:32]


def test_a_baseline_written_with_the_old_ids_still_matches(make_project, capsys):
    root = make_project({"dags/d.py": DAG})
    baseline = root.parent / "baseline.json"
    run(["scan", str(root), "--write-baseline", str(baseline)], capsys)
    document = json.loads(baseline.read_text())
    for finding in document["findings"]:  # as an older version wrote it
        finding["rule"] = finding["rule"].replace("API", "AIR")
    baseline.write_text(json.dumps(document))

    code, out, _ = run(["scan", str(root), "--baseline", str(baseline), "-f", "json"], capsys)
    assert code == 0 and json.loads(out)["baseline"]["known"] == 2

    (root / "dags" / "d.py").write_text(DAG.replace("schedule_interval", "schedule"))
    code, out, _ = run(["scan", str(root), "--baseline", str(baseline), "-f", "json"], capsys)
    fixed = json.loads(out)["baseline"]["fixed"]
    assert code == 0 and [(f["rule"], f["line"]) for f in fixed] == [("API003", 3)]


def test_no_rule_family_collides_with_a_ruff_code():
    """A ruff code is its prefix's letters, then digits: a family of ours that is no ruff
    prefix shares no code with ruff (``AIR`` did: ruff's AIR001 is another rule)."""
    ruff = set(json.loads(RUFF_PREFIXES.read_text(encoding="utf-8"))["prefixes"])
    families = {rule.family for rule in all_rules()}
    assert set(RENAMED_FAMILIES) <= ruff
    assert families & ruff == set()


def test_the_ruff_snapshot_is_the_installed_ruff():
    """The test dependencies pin ruff: a new pin must refresh the snapshot (its ``source`` says how)."""
    snapshot = json.loads(RUFF_PREFIXES.read_text(encoding="utf-8"))
    version = subprocess.run([sys.executable, "-m", "ruff", "--version"], capture_output=True, text=True,
                             check=True).stdout.split()[-1]
    rules = json.loads(subprocess.run([sys.executable, "-m", "ruff", "rule", "--all", "--output-format", "json"],
                                      capture_output=True, text=True, check=True).stdout)
    assert version == snapshot["ruff_version"]
    assert sorted({re.match("[A-Z]+", r["code"])[0] for r in rules if r.get("code")}) == snapshot["prefixes"]
