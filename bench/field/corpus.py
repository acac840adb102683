"""The field corpus: which public repositories, and how their pinned commits become folders.

The repositories are fetched by the search tool's ``fetch`` (a bare git directory under
``/work/.mirror/<owner>+<name>/``, no work tree, files of 4 MiB and more absent). ``export``
writes one commit's tree into a plain folder with ``git ls-tree`` and ``git cat-file --batch``:
``git archive`` stops at the first absent blob, and real repositories do have large files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS_FILE = HERE / "corpus.toml"
DEFAULT_MIRRORS = Path("/work/.mirror")


@dataclass(frozen=True)
class Repo:
    name: str  # owner/name on GitHub
    commit: str
    era: str  # "1.10", "2.x" or "3.x"
    why: str

    @property
    def slug(self) -> str:
        return self.name.replace("/", "+")


def load_corpus(path: Path = CORPUS_FILE) -> list[Repo]:
    with path.open("rb") as handle:
        return [Repo(**entry) for entry in tomllib.load(handle)["repo"]]


def git_dir(mirrors: Path, repo: Repo) -> Path | None:
    """The fetched snapshot's git directory, or None when the repository was not fetched."""
    base = mirrors / repo.slug / "repo"
    for candidate in (base / ".git", base):
        if (candidate / "objects").is_dir():
            return candidate
    return None


def export(git: Path, commit: str, dest: Path) -> list[str]:
    """Write ``commit``'s tree into ``dest`` (replaced); return the paths whose content is absent."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    listing = subprocess.run(["git", f"--git-dir={git}", "ls-tree", "-r", "-z", "--full-tree", commit],
                             check=True, capture_output=True).stdout
    entries = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha = meta.split()
        if kind == b"blob":
            entries.append((mode.decode(), sha.decode(), os.fsdecode(path)))
    missing: list[str] = []
    with subprocess.Popen(["git", f"--git-dir={git}", "cat-file", "--batch"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE) as batch:
        assert batch.stdin and batch.stdout
        for mode, sha, path in entries:
            batch.stdin.write(sha.encode() + b"\n")
            batch.stdin.flush()
            header = batch.stdout.readline().split()
            if header[-1] == b"missing":
                missing.append(path)
                continue
            content = batch.stdout.read(int(header[2]))
            batch.stdout.read(1)  # the newline after each object
            target = dest / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if mode == "120000":
                target.symlink_to(os.fsdecode(content))
            else:
                target.write_bytes(content)
                if mode == "100755":
                    target.chmod(0o755)
        batch.stdin.close()
    return missing
