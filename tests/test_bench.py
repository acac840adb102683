"""The benchmark harness runs end to end on a tiny project (timings live in bench/, not here)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import REPO


def test_generator_is_deterministic_and_valid_python(tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    from generate import generate

    a = generate(tmp_path / "a", 40, seed=3)
    b = generate(tmp_path / "b", 40, seed=3)
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes()
        if rel.suffix == ".py":
            compile((a / rel).read_text(), str(rel), "exec")
        if rel.suffix == ".py" and rel.parts[0] == "dags":
            assert 20 < (a / rel).read_text().count("\n") < 300


def test_harness_runs_on_a_tiny_project(tmp_path):
    out = tmp_path / "results"
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--sizes", "30", "--runs", "1",
                           "--out", str(out)], capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    result = json.loads((out / "result.json").read_text())
    row = result["sizes"]["30"]
    assert row["files"] >= 30
    for name in ("scan_cold", "scan_warm", "scan_warm_1pct", "ruff_cold", "ruff_warm", "parse_floor"):
        assert row[name]["wall_s"] > 0 and row[name]["runs"] == 1
    assert row["parse_floor_ratio"] > 0
    assert all(row[ratio] > 0 for ratio in ("cold_cpu_ratio", "warm_cpu_ratio", "warm_1pct_cpu_ratio"))
    assert row["fix_apply"]["files_changed"] > 0  # the generated DAGs need fixes
    table = (out / "result.md").read_text()
    assert "| scan_cold |" in table and "| parse_floor |" in table and "| cold scan vs ruff (synthetic 30, 31 files) | <= 3x |" in table
