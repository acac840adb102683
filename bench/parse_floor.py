"""The least a cold scan written in Python can cost: start the interpreter, read every ``.py``
file under a folder and parse it with ``ast`` (CPython's own C parser), in as many processes as
the scan uses, and nothing else. bench/run.py measures it beside ``migrator scan`` cold, so the
cold target can be read against what no Python analysis can go below.

    python bench/parse_floor.py PROJECT [--jobs N]
"""

from __future__ import annotations

import argparse
import ast
import os
import warnings
from multiprocessing import Pool
from pathlib import Path


def parse(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences in old DAG files
            ast.parse(path.read_bytes())
    except (SyntaxError, ValueError, OSError):
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    files = sorted(args.project.rglob("*.py"))
    with Pool(args.jobs) as pool:
        pool.map(parse, files, chunksize=max(1, len(files) // (args.jobs * 8)))


if __name__ == "__main__":
    main()
