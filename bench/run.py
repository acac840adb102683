"""Benchmark harness: migrator against ruff's Airflow rules, side by side on the same files.

    python bench/run.py                       # 2,000 and 20,000 files, 5 alternating runs
    python bench/run.py --sizes 200 --runs 1  # a quick look
    python bench/run.py --sizes --field ~/.cache/mwaa-migrator-field/src  # the field corpus only

For each project size it measures, in alternation so machine noise hits both tools alike:
`migrator scan` cold (empty cache), warm (nothing changed) and warm after touching 1% of
the files; `ruff check --preview --select AIR` cold (`--no-cache`) and warm; the parse floor
(bench/parse_floor.py: the interpreter reading and parsing every file, nothing else); then
`migrator fix` (dry run, and --apply on a copy) and `migrator package`, when those commands
exist. It reports median wall time, CPU time (user+sys, children included) and peak RSS (the
largest single process of the tree), ratios to ruff by wall and by CPU time (the steadier one
on a loaded machine), files per second, and writes bench/results/result.json and
bench/results/result.md. The tool is byte-compiled first, as pip installs it: an editable
install run with PYTHONDONTWRITEBYTECODE would compile its modules on every run.

``--field FOLDER`` adds the same scan measurements on real projects: each folder below FOLDER
is one repository (bench/field/ exports them). They are copied into one project whose DAG
folders are the repositories (a ``.migrator.toml`` names them, since a folder of independent
projects is otherwise refused), so both tools read the same files in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

HERE = Path(__file__).resolve().parent
TARGETS = {"cold_ratio": 3.0, "warm_ratio": 1.5, "warm_1pct_ratio": 2.0, "linearity": 0.15, "rss_mb_20k": 400,
           "fix_files_per_second": 100, "package_10k_seconds": 5.0}
# CPU-time ratios beside the wall-time ones: (name, migrator measure, ruff measure).
CPU_RATIOS = (("cold_cpu_ratio", "scan_cold", "ruff_cold"), ("warm_cpu_ratio", "scan_warm", "ruff_warm"),
              ("warm_1pct_cpu_ratio", "scan_warm_1pct", "ruff_warm"))


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    returncode: int


def measure(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Sample:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {stderr[-2000:]}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode)


def migrator_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "migrator", *args]


def ruff_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "ruff", "check", "--preview", "--select", "AIR", "--quiet",
            "--exit-zero", *args]


def has_command(name: str) -> bool:
    proc = subprocess.run(migrator_cmd(name, "--help"), check=False, capture_output=True)
    return proc.returncode == 0


def median(samples: list[Sample]) -> dict[str, float]:
    return {
        "wall_s": round(statistics.median(s.wall for s in samples), 3),
        "cpu_s": round(statistics.median(s.cpu for s in samples), 3),
        "peak_rss_mb": round(max(s.rss_mb for s in samples), 1),
        "runs": len(samples),
    }


def changed_files(original: Path, copy: Path) -> int:
    """How many Python files of ``copy`` differ from ``original`` (the files fix rewrote)."""
    return sum(1 for path in original.rglob("*.py")
               if path.read_bytes() != (copy / path.relative_to(original)).read_bytes())


def touch_one_percent(project: Path, round_no: int) -> None:
    files = sorted(project.rglob("*.py"))
    for path in files[round_no % 100::100]:
        with path.open("a") as handle:
            handle.write(f"# touched {round_no}\n")


def field_project(sources: Path, project: Path) -> None:
    """One project holding a copy of every repository below ``sources``, each a DAG folder."""
    repos = sorted(path.name for path in sources.iterdir() if path.is_dir())
    for name in repos:
        shutil.copytree(sources / name, project / name, symlinks=True)
    (project / ".migrator.toml").write_text("dags = [" + ", ".join(json.dumps(n) for n in repos) + "]\n")


def bench_field(sources: Path, runs: int, work: Path) -> dict:
    project = work / "project-field"
    field_project(sources, project)
    return bench_scan(project, "field", runs, work)


def bench_scan(project: Path, label: str, runs: int, work: Path) -> dict:
    """Scan cold, warm and warm after touching 1% of the files, against ruff cold and warm."""
    py_files = sum(1 for _ in project.rglob("*.py"))
    cache_root = work / f"cache-{label}"
    env = {**os.environ, "MWAA_MIGRATOR_SCAN_CACHE": str(cache_root), "NO_COLOR": "1"}
    scan = migrator_cmd("scan", str(project), "--quiet", "--format", "json", "--fail-on", "never")
    floor = [sys.executable, str(HERE / "parse_floor.py"), str(project)]
    results: dict[str, list[Sample]] = {k: [] for k in ("scan_cold", "scan_warm", "scan_warm_1pct", "ruff_cold",
                                                         "ruff_warm", "parse_floor")}
    ruff_cache = work / f"ruff-cache-{label}"
    for round_no in range(runs):
        shutil.rmtree(cache_root, ignore_errors=True)
        results["scan_cold"].append(measure(scan, env))
        results["ruff_cold"].append(measure(ruff_cmd("--no-cache", str(project))))
        results["parse_floor"].append(measure(floor))
        results["scan_warm"].append(measure(scan, env))
        measure(ruff_cmd("--cache-dir", str(ruff_cache), str(project)))  # fill ruff's cache
        results["ruff_warm"].append(measure(ruff_cmd("--cache-dir", str(ruff_cache), str(project))))
        touch_one_percent(project, round_no)
        results["scan_warm_1pct"].append(measure(scan, env))
    row = {name: median(samples) for name, samples in results.items()}
    row["files"] = py_files
    row["cold_ratio"] = round(row["scan_cold"]["wall_s"] / row["ruff_cold"]["wall_s"], 2)
    row["warm_ratio"] = round(row["scan_warm"]["wall_s"] / row["ruff_warm"]["wall_s"], 2)
    row["parse_floor_ratio"] = round(row["parse_floor"]["wall_s"] / row["ruff_cold"]["wall_s"], 2)
    row["warm_1pct_ratio"] = round(row["scan_warm_1pct"]["wall_s"] / row["ruff_warm"]["wall_s"], 2)
    for ratio, scan_measure, ruff_measure in CPU_RATIOS:
        row[ratio] = round(row[scan_measure]["cpu_s"] / row[ruff_measure]["cpu_s"], 2)
    row["cold_files_per_s"] = round(py_files / row["scan_cold"]["wall_s"], 1)
    row["cold_ms_per_file"] = round(1000 * row["scan_cold"]["wall_s"] / py_files, 3)
    return row


def bench_size(size: int, runs: int, work: Path, steps: set[str]) -> dict:
    project = work / f"project-{size}"
    generate(project, size)
    row = bench_scan(project, str(size), runs, work)
    py_files = row["files"]
    env = {**os.environ, "MWAA_MIGRATOR_SCAN_CACHE": str(work / f"cache-{size}"), "NO_COLOR": "1"}

    if "fix" in steps and has_command("fix"):
        row["fix_dry_run"] = median([measure(migrator_cmd("fix", str(project), "--quiet"), env)
                                     for _ in range(max(1, runs // 2))])
        applied, changed = [], 0
        for _ in range(max(1, runs // 2)):
            copy = work / f"fix-copy-{size}"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(project, copy)
            # Fixing follows a scan of the same tree (its cache is per project folder), as in a
            # user's `migrator scan` then `migrator fix --apply`; the scan is not timed here.
            measure(migrator_cmd("scan", str(copy), "--quiet", "--fail-on", "never"), env)
            applied.append(measure(migrator_cmd("fix", str(copy), "--apply", "--quiet"), env))
            changed = changed_files(project, copy)
        row["fix_apply"] = median(applied)
        row["fix_apply"]["files_changed"] = changed
        row["fix_apply"]["files_per_s"] = round(py_files / row["fix_apply"]["wall_s"], 1)
        row["fix_apply"]["changed_files_per_s"] = round(changed / row["fix_apply"]["wall_s"], 1)
    if "package" in steps and has_command("package"):
        samples = []
        for _ in range(max(1, runs // 2)):
            out = work / f"bundle-{size}"
            shutil.rmtree(out, ignore_errors=True)
            samples.append(measure(migrator_cmd("package", str(project), "--out", str(out), "--quiet"), env))
        row["package"] = median(samples)
    return row


def byte_compile_tool() -> None:
    """Compile the measured tool's modules, as pip does on install (see the module docstring)."""
    import compileall

    import migrator
    from migrator import compat

    for package in (migrator, compat):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)


def machine() -> dict[str, str]:
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": str(os.cpu_count()), "processor": platform.processor() or platform.machine()}


def markdown(result: dict) -> str:
    machine_line = (f"Machine: {result['machine']['cpus']} CPUs, {result['machine']['platform']}, "
                    f"Python {result['machine']['python']}; medians of {result['runs']} alternating runs.")
    lines = [machine_line, "",
             "| project | files | measure | wall s | CPU s | peak RSS MB | vs ruff | CPU vs ruff | files/s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, row in measured_projects(result).items():
        for name in ("scan_cold", "ruff_cold", "parse_floor", "scan_warm", "ruff_warm", "scan_warm_1pct",
                     "fix_dry_run", "fix_apply", "package"):
            if name not in row:
                continue
            m = row[name]
            ratio = {"scan_cold": row["cold_ratio"], "scan_warm": row["warm_ratio"],
                     "parse_floor": row.get("parse_floor_ratio", ""),
                     "scan_warm_1pct": row.get("warm_1pct_ratio", "")}.get(name, "")
            cpu_ratio = {scan_measure: row.get(cpu) for cpu, scan_measure, _ in CPU_RATIOS}.get(name) or ""
            rate = {"scan_cold": row["cold_files_per_s"]}.get(name, m.get("changed_files_per_s", ""))
            lines.append(f"| {label} | {row['files']} | {name} | {m['wall_s']} | {m['cpu_s']} | {m['peak_rss_mb']} "
                         f"| {ratio} | {cpu_ratio} | {rate} |")
    if "linearity" in result:
        lines += ["", f"Cost per file, largest vs smallest size: {result['linearity']:+.1%}"]
    lines += ["", "| target | goal | measured | met |", "|---|---|---|---|"]
    lines += [f"| {name} | {goal} | {value} | {'yes' if met else 'no'} |"
              for name, goal, value, met in target_checks(result)]
    return "\n".join(lines) + "\n"


def measured_projects(result: dict) -> dict[str, dict]:
    """Each measured project's row by label: the generated sizes, then the field corpus."""
    return {**{f"synthetic {size}": row for size, row in result["sizes"].items()},
            **({"field corpus": result["field"]} if "field" in result else {})}


def target_checks(result: dict) -> list[tuple[str, str, object, bool]]:
    """Each issue target this run measured: (name, goal, measured value, met)."""
    checks = []
    for label, row in measured_projects(result).items():
        size = f"{label}, {row['files']}"
        for ratio, what in (("cold_ratio", "cold scan"), ("warm_ratio", "warm scan"),
                            ("warm_1pct_ratio", "warm scan after touching 1%")):
            if ratio in row:
                checks.append((f"{what} vs ruff ({size} files)", f"<= {TARGETS[ratio]:g}x", row[ratio],
                               row[ratio] <= TARGETS[ratio]))
        if "fix_apply" in row:
            rate = row["fix_apply"]["changed_files_per_s"]
            goal = TARGETS["fix_files_per_second"]
            checks.append((f"fix --apply, changed files/s ({size} files)", f">= {goal}", rate, rate >= goal))
        if "package" in row and row["files"] >= 10000:
            wall, goal = row["package"]["wall_s"], TARGETS["package_10k_seconds"]
            checks.append((f"package ({size} files)", f"< {goal:g} s", wall, wall < goal))
    if "linearity" in result:
        goal = TARGETS["linearity"]
        checks.append(("cold cost per file, largest vs smallest", f"<= {goal:+.0%}", f"{result['linearity']:+.1%}",
                       result["linearity"] <= goal))
    if result["sizes"]:
        largest = result["sizes"][max(result["sizes"], key=int)]
        rss, goal = largest["scan_cold"]["peak_rss_mb"], TARGETS["rss_mb_20k"]
        checks.append((f"peak RSS of a scan ({largest['files']} files)", f"< {goal} MB", rss, rss < goal))
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[2000, 20000],
                        help="generated project sizes (none: the field corpus alone)")
    parser.add_argument("--field", type=Path,
                        help="a folder of real repositories, one per subfolder (~/.cache/mwaa-migrator-field/src)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--steps", default="scan,fix,package",
                        help="comma-separated subset of scan,fix,package (scan and ruff always run)")
    args = parser.parse_args()
    byte_compile_tool()
    with tempfile.TemporaryDirectory(prefix="migrator-bench-") as tmp:
        steps = set(args.steps.split(","))
        sizes = {str(size): bench_size(size, args.runs, Path(tmp), steps) for size in args.sizes}
        field = bench_field(args.field.expanduser(), args.runs, Path(tmp)) if args.field else None
    result = {"machine": machine(), "runs": args.runs, "targets": TARGETS, "sizes": sizes,
              **({"field": field} if field else {})}
    if len(sizes) > 1:
        small, large = sizes[str(min(args.sizes))], sizes[str(max(args.sizes))]
        result["linearity"] = round(large["cold_ms_per_file"] / small["cold_ms_per_file"] - 1, 3)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "result.json").write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    (args.out / "result.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
