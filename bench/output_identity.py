"""Fingerprint what the tool prints on fixed projects, to prove a refactoring changed no output.

A layout change (#21) must leave every report byte-identical. This runs `scan` in every report
format and for every supported target, `fix` (the diff, safe and unsafe) and `package` on the
bundled example project and on a generated 2,000-file project, and writes one SHA-256 per output
to a JSON manifest. Run it on the commit before the change and on the change, then compare:

    python bench/output_identity.py --out /tmp/before.json            # on the old commit
    python bench/output_identity.py --out /tmp/after.json --compare /tmp/before.json

Outputs are normalised only where they must differ between two runs: the absolute path of the
scanned copy and of the bundle folder. The tool runs offline (its own switch): what PyPI answers,
or whether it answers within the timeout on a loaded machine, must not decide the comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from migrator.cache import OFFLINE_ENV

REPO = Path(__file__).resolve().parent.parent
FORMATS = ("json", "sarif", "text", "concise", "markdown", "github")


def _run(args: list[str], cwd: Path, placeholders: dict[str, str]) -> str:
    env = dict(os.environ, COLUMNS="120", NO_COLOR="1", TERM="dumb", **{OFFLINE_ENV: "1"})
    result = subprocess.run(
        [sys.executable, "-m", "migrator", *args],
        cwd=cwd, capture_output=True, text=True, env=env, check=False,
    )
    text = f"exit {result.returncode}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"
    for real, placeholder in placeholders.items():
        text = text.replace(real, placeholder)
    return text


def _targets() -> list[str]:
    from migrator import compat

    return [str(version) for version in compat.supported_versions()]


def fingerprint(project: Path, label: str, targets: list[str], formats: tuple[str, ...]) -> dict[str, str]:
    """One digest per command run on a scratch copy of PROJECT (the tool must not see its cache)."""
    digests: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "project"
        shutil.copytree(project, copy)
        bundle = Path(scratch) / "bundle"
        placeholders = {str(bundle): "<bundle>", str(copy): "<project>", scratch: "<scratch>"}
        runs: dict[str, list[str]] = {}
        for target in targets:
            for report_format in formats:
                runs[f"scan {target} {report_format}"] = [
                    "scan", ".", "--no-cache", "-q", "--target", target, "-f", report_format,
                    "--sarif-root", ".",
                ] if report_format in ("sarif", "github") else [
                    "scan", ".", "--no-cache", "-q", "--target", target, "-f", report_format,
                ]
            runs[f"fix {target}"] = ["fix", ".", "--no-cache", "--target", target]
            runs[f"fix --unsafe {target}"] = ["fix", ".", "--no-cache", "--unsafe", "--target", target]
            runs[f"package {target}"] = [
                "package", ".", "--out", str(bundle), "--target", target, "--allow-broken-requirements",
            ]
        for name, args in runs.items():
            output = _run(args, copy, placeholders)
            if name.startswith("package"):
                output += _tree_listing(bundle)
            digests[f"{label}: {name}"] = hashlib.sha256(output.encode()).hexdigest()
    return digests


def _tree_listing(folder: Path) -> str:
    """The bundle's files and their digests (zip members are compared by the zip's own bytes)."""
    if not folder.is_dir():
        return "--- no bundle\n"
    lines = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest() if path.suffix != ".zip" else _zip_digest(path)
        lines.append(f"{path.relative_to(folder).as_posix()} {digest}")
    return "--- bundle\n" + "\n".join(lines) + "\n"


def _zip_digest(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = sorted((info.filename, archive.read(info.filename)) for info in archive.infolist())
    return hashlib.sha256(repr(members).encode()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="manifest to write")
    parser.add_argument("--compare", type=Path, help="an earlier manifest: exit 1 on any difference")
    parser.add_argument("--bench-files", type=int, default=2000, help="size of the generated project")
    args = parser.parse_args()

    targets = _targets()
    digests = fingerprint(REPO / "examples" / "onprem-project", "example", targets, FORMATS)
    with tempfile.TemporaryDirectory() as scratch:
        generated = Path(scratch) / "bench-project"
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "generate.py"), str(generated),
             "--files", str(args.bench_files), "--seed", "7"],
            check=True, capture_output=True,
        )
        newest = targets[-1:]
        digests |= fingerprint(generated, f"bench-{args.bench_files}", newest, ("json", "sarif", "text"))
    args.out.write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n")
    print(f"{len(digests)} outputs fingerprinted into {args.out}")
    if args.compare is None:
        return 0
    before = json.loads(args.compare.read_text())
    changed = sorted(name for name in before.keys() | digests.keys() if before.get(name) != digests.get(name))
    for name in changed:
        print(f"differs: {name}")
    print("identical" if not changed else f"{len(changed)} of {len(digests)} outputs differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
