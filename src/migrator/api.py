"""The library API: what ``scan``, ``fix`` and ``migrate`` do, as functions (docs/api.md).

Each takes the project folder and the options its command takes, reads the project's
``[tool.migrator]`` settings as the command does (the arguments win), and returns the library's
own result. Bad input (a missing folder, an unknown target, a selector no rule id starts with)
raises ``migrator.InputError`` with the one-line message the command line prints.

``migrator/__init__.py`` re-exports these lazily. The names avoid the modules'
(``migrator.fix``, ``migrator.migrate``): importing a submodule sets the package attribute of
its name, which would replace a function called so.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from migrator.cli.options import project_settings, resolve_target
from migrator.engine import ScanResult
from migrator.engine import scan as scan_project
from migrator.fix import FixPlan, apply_plan
from migrator.fix import plan_fixes as plan_project_fixes
from migrator.inventory import scan_document
from migrator.migrate import Migration
from migrator.migrate import migrate as migrate_into
from migrator.reporters.jsonout import dumps


def scan(path: str | Path, *, target: str | None = None, select: Iterable[str] = (),
         ignore: Iterable[str] = (), constraints: str | Path | None = None, jobs: int = 0,
         use_cache: bool = True) -> ScanResult:
    """``migrator scan PATH``: ``result.findings`` holds one finding per root cause, sorted."""
    path = Path(path)
    settings = project_settings(path, target=target, select=tuple(select), ignore=tuple(ignore),
                                constraints=constraints)
    return scan_project(path, settings, resolve_target(settings), jobs=jobs, use_cache=use_cache)


def json_report(result: ScanResult) -> str:
    """What ``migrator scan -f json`` prints for ``result`` (see migrator/schemas/report.schema.json)."""
    return dumps(scan_document(result))


def plan_fixes(path: str | Path, *, target: str | None = None, unsafe: bool = False,
               select: Iterable[str] = (), ignore: Iterable[str] = (),
               constraints: str | Path | None = None, jobs: int = 0, use_cache: bool = True) -> FixPlan:
    """``migrator fix PATH`` (``--unsafe``): every fix, computed in memory; nothing is written.
    ``plan.diff()`` is the unified diff, ``plan.fixed`` the count per rule, ``plan.remaining``
    what still needs a human."""
    path = Path(path)
    settings = project_settings(path, target=target, select=tuple(select), ignore=tuple(ignore),
                                constraints=constraints)
    return plan_project_fixes(path, settings, resolve_target(settings), unsafe=unsafe, jobs=jobs,
                              use_cache=use_cache)


def apply_fixes(plan: FixPlan) -> list[str]:
    """Write ``plan`` into its project, all files or none; the paths written. Unlike
    ``fix --apply`` it does not look at git: check the work tree first if that matters."""
    return apply_plan(plan.root, plan)


def migrate_project(src: str | Path, out: str | Path, *, target: str | None = None,
                    unsafe: bool = False, region: str | None = None,
                    constraints: str | Path | None = None, jobs: int = 0) -> Migration:
    """``migrator migrate SRC --out OUT``: ``src`` is never written; ``out`` gets the fixed copy,
    the bundle and the reports (``migration.report`` is what report.json holds)."""
    src = Path(src)
    settings = project_settings(src, target=target, constraints=constraints)
    return migrate_into(src, Path(out), settings, resolve_target(settings), unsafe=unsafe,
                        region=region, jobs=jobs)
