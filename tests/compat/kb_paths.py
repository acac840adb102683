"""Where the knowledge-base tests find shared/: beside the repository checkout
(repo/../shared), both on a developer machine and in CI."""

from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = (REPO_ROOT / ".." / "shared").resolve()
MWAA_DATA = SHARED / "mwaa-data"


@cache
def pinned_versions(target: str) -> dict[str, str]:
    """What the MWAA image of ``target`` pins (canonical name -> version), read from its
    constraints file: the one place the knowledge-base tests take the pins from."""
    from migrator.analysis.requirements import parse_constraints_text

    path = MWAA_DATA / target / "airflow_constraints.txt"
    return parse_constraints_text(path.read_text(encoding="utf-8"), str(path)).pins
