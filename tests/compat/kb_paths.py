"""Where the knowledge-base tests find shared/: beside the repository checkout
(repo/../shared), both on a developer machine and in CI."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = (REPO_ROOT / ".." / "shared").resolve()
MWAA_DATA = SHARED / "mwaa-data"
