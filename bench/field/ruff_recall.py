"""Recall against ruff's Airflow 3 rules on the field corpus: every AIR301/AIR302 finding of
ruff (a removed or moved name, a removed argument) should be matched by a finding of ours, or a
related location of one, in the same file that names the same symbol.

    python bench/field/ruff_recall.py                      # the 3.3.1 scans of the last field run
    python bench/field/ruff_recall.py --show 20            # and the first unmatched ones

ruff reports each use of a name; we report the import that binds it, with the uses as related
locations, so a match is by file and symbol, not by line. Reads the scans ``run.py`` left in its
work folder (``runs/<target>/<repo>/scan.json``) and the sources it exported (``src/<repo>``).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ORACLE_CODES = "AIR301,AIR302"
_SYMBOL = re.compile(r"`([^`]+)`")


def ruff_findings(source: Path) -> list[dict]:
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--preview", "--isolated", "--no-cache",
                           "--select", ORACLE_CODES, "--output-format", "json", "--exit-zero", str(source)],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout or "[]")


def symbol(message: str) -> str | None:
    """``airflow.utils.dates.days_ago`` -> ``days_ago``; ``schedule_interval`` as it is."""
    match = _SYMBOL.search(message)
    return match.group(1).rpartition(".")[2] if match else None


def our_texts_by_path(scan: dict) -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for finding in scan.get("findings", []):
        texts.setdefault(finding["path"], []).append(finding["message"])
        for related in finding.get("related", []):
            texts.setdefault(related["path"], []).append(f"{finding['message']} {related.get('message', '')}")
    return texts


def in_scope(path: str, scan: dict, texts: dict[str, list[str]]) -> bool:
    """A file the scan reads: under a DAG or plugins folder, or one it reported on (a helper
    module a DAG imports). ruff reads every file; tests/ or an unused_dags/ folder are not the
    project MWAA runs."""
    sources = scan.get("inventory", {}).get("sources", {})
    folders = [*sources.get("dag_folders", []), *sources.get("plugins_folder", [])]
    return path in texts or any(f in (".", "") or path.startswith(f.rstrip("/") + "/") for f in folders)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path.home() / ".cache" / "mwaa-migrator-field")
    parser.add_argument("--target", default="3.3.1")
    parser.add_argument("--show", type=int, default=0, help="print this many unmatched ruff findings")
    args = parser.parse_args(argv)
    totals, unmatched = Counter(), []
    for scan_path in sorted((args.work / "runs" / args.target).glob("*/scan.json")):
        slug = scan_path.parent.name
        source = args.work / "src" / slug
        scan = json.loads(scan_path.read_text(encoding="utf-8"))
        texts = our_texts_by_path(scan)
        for hit in ruff_findings(source):
            if hit["code"] not in ORACLE_CODES.split(","):
                continue  # a file ruff cannot parse
            name = symbol(hit["message"])
            path = Path(hit["filename"]).resolve().relative_to(source.resolve()).as_posix()
            if not in_scope(path, scan, texts):
                totals["outside"] += 1
                continue
            matched = bool(name) and any(re.search(rf"\b{re.escape(name)}\b", t) for t in texts.get(path, ()))
            totals["ruff"] += 1
            totals["matched"] += matched
            if not matched:
                unmatched.append(f"{slug}: {path}:{hit['location']['row']} {hit['code']} {hit['message']}")
    print(f"ruff {ORACLE_CODES} findings in the files the {args.target} scans read: {totals['ruff']}; matched by "
          f"ours (same file, same symbol): {totals['matched']}; unmatched: {len(unmatched)}; in files the "
          f"scans do not read (tests, unused folders): {totals['outside']}")
    for line in unmatched[:args.show]:
        print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
