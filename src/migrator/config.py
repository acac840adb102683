"""``[tool.migrator]`` in pyproject.toml, or a ``.migrator.toml``; command-line options win."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from migrator.errors import InputError
from migrator.findings import Severity

CONFIG_FILES = (".migrator.toml", "pyproject.toml")
FAIL_ON = ("error", "warning", "info", "never")


@dataclass(frozen=True)
class Settings:
    target: str | None = None
    dags: tuple[str, ...] = ()  # DAG folders relative to the root; empty = discover
    plugins: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = ()  # gitignore-style patterns
    fail_on: str = "error"
    constraints: str | None = None
    source: str | None = None  # which file the settings came from

    def with_overrides(self, **options: Any) -> Settings:
        changes = {k: v for k, v in options.items() if v not in (None, ())}
        return replace(self, **changes)

    def rule_enabled(self, rule_id: str) -> bool:
        selected = not self.select or any(rule_id.startswith(p.upper()) for p in self.select)
        return selected and not any(rule_id.startswith(p.upper()) for p in self.ignore)

    def ignored_for_path(self, rule_id: str, path: str) -> bool:
        return any(
            fnmatch.fnmatch(path, pattern) and any(rule_id.startswith(p.upper()) for p in prefixes)
            for pattern, prefixes in self.per_path_ignores
        )

    def fails(self, severity: Severity) -> bool:
        return self.fail_on != "never" and severity >= Severity.parse(self.fail_on)


def _strings(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise InputError(f"{path}: {_where(path)}{key} must be a string or a list of strings")


def _inside_project(value: str, key: str, path: Path) -> str:
    """A path setting as a POSIX path relative to the project root; one that could leave the
    project (absolute, ``..``) is refused, so a repository's settings never make this tool read
    system files."""
    pure = PurePosixPath(value.replace("\\", "/"))
    if not value.strip() or pure.is_absolute() or ".." in pure.parts or ":" in value.split("/", 1)[0]:
        raise InputError(f"{path}: {_where(path)}{key} = {value!r} must be a path inside the project, "
                         "relative to its root and without '..'")
    return pure.as_posix()


def load_settings(root: Path) -> Settings:
    """Read the project's settings; a malformed file is an input error naming the file."""
    for name in CONFIG_FILES:
        path = root / name
        if not path.is_file():
            continue
        import tomllib  # most projects have no settings file: its regexes cost a run 7 ms

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise InputError(f"{path}: cannot read settings: {exc}") from None
        table = _settings_table(data, name, path)
        if table is None:
            continue
        return _parse(table, path)
    return Settings()


def _settings_table(data: dict[str, Any], name: str, path: Path) -> dict[str, Any] | None:
    """The settings table of a parsed file, None when it has none; a ``tool`` or ``migrator``
    that is not a table (``tool = "x"``) is an input error, not a crash."""
    if name == ".migrator.toml" and "tool" not in data:
        return data
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise InputError(f"{path}: tool must be a table")
    table = tool.get("migrator", {} if name == ".migrator.toml" else None)
    if table is not None and not isinstance(table, dict):
        raise InputError(f"{path}: [tool.migrator] must be a table of settings")
    return table


def _where(path: Path) -> str:
    """How messages name the settings table: pyproject.toml's, or the whole .migrator.toml."""
    return "[tool.migrator] " if path.name == "pyproject.toml" else ""


def _parse(table: dict[str, Any], path: Path) -> Settings:
    known = {"target", "dags", "plugins", "select", "ignore", "per-path-ignores", "exclude",
             "fail-on", "constraints"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise InputError(f"{path}: unknown {_where(path)}keys: {', '.join(unknown)}")
    fail_on = table.get("fail-on", "error")
    if fail_on not in FAIL_ON:
        raise InputError(f"{path}: fail-on must be one of {', '.join(FAIL_ON)}")
    per_path = table.get("per-path-ignores", {})
    if not isinstance(per_path, dict):
        raise InputError(f"{path}: per-path-ignores must be a table of pattern = [rule prefixes]")
    for key in ("target", "plugins", "constraints"):
        if key in table and not isinstance(table[key], str):
            raise InputError(f"{path}: {_where(path)}{key} must be a string")
    constraints = table.get("constraints")
    if constraints is not None and "://" not in constraints:
        constraints = _inside_project(constraints, "constraints", path)
    return Settings(
        target=table.get("target"),
        dags=tuple(_inside_project(d, "dags", path) for d in _strings(table.get("dags", []), "dags", path)),
        plugins=_inside_project(table["plugins"], "plugins", path) if "plugins" in table else None,
        select=_strings(table.get("select", []), "select", path),
        ignore=_strings(table.get("ignore", []), "ignore", path),
        per_path_ignores=tuple(
            (pattern, _strings(prefixes, f"per-path-ignores.{pattern}", path))
            for pattern, prefixes in sorted(per_path.items())
        ),
        exclude=_strings(table.get("exclude", []), "exclude", path),
        fail_on=fail_on,
        constraints=constraints,
        source=path.name,
    )

