"""Definitions read from files and commands: ``airflow connections|variables|pools export``
files (JSON, YAML, env), ``pools*.csv`` tables, Astronomer's ``airflow_settings.yaml`` and
``airflow connections add`` / ``variables set`` / ``pools set`` commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import PurePosixPath
from typing import Any

import yaml

from migrator.analysis.connections.model import ConnectionFacts, PoolDef, VariableDef
from migrator.analysis.connections.uris import (
    connection_from_fields,
    parse_connection_uri,
    parse_connection_value,
)
from migrator.analysis.envsources import ShellCommand, mapping_get, mapping_items, parse_env_file
from migrator.analysis.source import Problem
from migrator.workspace import NAMED_EXPORT

# airflow_settings.yaml (Astronomer CLI) spells the fields with a ``conn_`` prefix.
_SETTINGS_FIELDS = {"conn_type": "conn_type", "conn_host": "host", "conn_login": "login",
                    "conn_password": "password", "conn_schema": "schema", "conn_port": "port",
                    "conn_extra": "extra", "conn_description": "description"}


def _line_of(text: str, needle: str, default: int = 1) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else default


def _export_kind(path: str) -> tuple[str, bool]:
    """(connections | variables | pools | settings | unknown, whether the name alone says so).
    A file matched only by a word in its name (``dag-variables.json``) may be something else."""
    name = PurePosixPath(path).name.lower()
    if name.startswith("airflow_settings"):
        return "settings", True
    for kind in ("connections", "variables", "pools"):
        if name.startswith(kind):
            return kind, True
    match = NAMED_EXPORT.match(name)
    if match:
        word = match.group(1).lower()
        return next(kind for kind in ("connections", "variables", "pools") if kind.startswith(word[:3])), False
    return "unknown", True


def _yaml_lines(text: str) -> dict[str, int]:
    """Top-level mapping key -> line of a YAML document (empty when it is not a mapping)."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in mapping_items(root)} if root is not None else {}


def _load_document(text: str, path: str) -> tuple[Any, dict[str, int], Problem | None]:
    suffix = PurePosixPath(path).suffix.lower()
    try:
        if suffix == ".json":
            document = json.loads(text) if text.strip() else {}
            lines = {}
            if isinstance(document, dict):
                lines = {str(k): _line_of(text, json.dumps(str(k))) for k in document}
            return document, lines, None
        document = yaml.safe_load(text)
        return document, _yaml_lines(text), None
    except json.JSONDecodeError as exc:
        return None, {}, Problem("syntax", f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return None, {}, Problem("syntax", f"invalid YAML: {getattr(exc, 'problem', exc)}",
                                 (mark.line + 1) if mark else 1)
    except RecursionError:
        return None, {}, Problem("too-complex", "nested too deeply to read")


def _read_export(facts: ConnectionFacts, path: str, text: str) -> None:
    kind, named = _export_kind(path)
    if PurePosixPath(path).suffix.lower() == ".env":
        for variable in parse_env_file(text, path):
            if kind == "variables":
                facts.variables.append(VariableDef(variable.name, variable.value, path, variable.line, "export"))
            elif kind == "connections":
                facts.connections.append(parse_connection_value(variable.name, variable.value or "", path,
                                                                variable.line, "export"))
        return
    document, lines, problem = _load_document(text, path)
    if not named and not _export_shaped(kind, document):
        return  # a JSON file that only has the word in its name
    if problem:
        facts.problems.append((path, problem))
        return
    if kind == "settings":
        _read_settings(facts, path, text, document)
        return
    entries: list[tuple[str, Any, int]] = []
    if isinstance(document, dict):
        entries = [(str(k), v, lines.get(str(k), 1)) for k, v in document.items()]
    elif isinstance(document, list):
        key_field = {"connections": "conn_id", "variables": "key", "pools": "pool"}.get(kind, "conn_id")
        for item in document:
            if isinstance(item, dict) and (item.get(key_field) or item.get("name")):
                key = str(item.get(key_field) or item.get("name"))
                entries.append((key, item, _line_of(text, json.dumps(key) if path.endswith(".json") else key)))
    elif document is not None:
        facts.problems.append((path, Problem("syntax", f"expected a mapping or a list of {kind}")))
        return
    for key, value, line in entries:
        if kind == "connections":
            if isinstance(value, str):
                facts.connections.append(parse_connection_value(key, value, path, line, "export"))
            elif isinstance(value, dict):
                facts.connections.append(connection_from_fields(key, value, path, line, "export"))
        elif kind == "variables":
            if isinstance(value, dict) and set(value) <= {"key", "val", "value", "description", "is_encrypted"} \
                    and ("val" in value or "value" in value):
                value = value.get("val", value.get("value"))
            text_value = value if isinstance(value, str) else json.dumps(value)
            facts.variables.append(VariableDef(key, text_value, path, line, "export"))
        elif kind == "pools":
            slots = value.get("slots") if isinstance(value, dict) else value
            description = value.get("description", "") if isinstance(value, dict) else ""
            facts.pools.append(PoolDef(key, _int_or_none(slots), str(description or ""), path, line, "export"))


# Header names of a pool table's columns (the ``airflow_settings.yaml`` and export spellings).
_POOL_NAME_COLUMNS = ("pool_name", "pool", "name")
_POOL_SLOTS_COLUMNS = ("slots", "pool_slots", "pool_slot")
_POOL_DESCRIPTION_COLUMNS = ("description", "pool_description")


def _read_pool_table(facts: ConnectionFacts, path: str, text: str) -> None:
    """A ``pools*.csv`` table: a header naming a pool column and a slots column, one pool a row.
    A CSV without both columns is some other table and is left alone."""
    rows = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(rows, [])]
    name_column = next((header.index(c) for c in _POOL_NAME_COLUMNS if c in header), None)
    slots_column = next((header.index(c) for c in _POOL_SLOTS_COLUMNS if c in header), None)
    if name_column is None or slots_column is None:
        return
    description_column = next((header.index(c) for c in _POOL_DESCRIPTION_COLUMNS if c in header), None)
    for row in rows:
        cells = [cell.strip() for cell in row]
        if len(cells) <= max(name_column, slots_column) or not cells[name_column]:
            continue
        description = cells[description_column] if description_column is not None \
            and description_column < len(cells) else ""
        facts.pools.append(PoolDef(cells[name_column], _int_or_none(cells[slots_column]), description,
                                   path, rows.line_num, "export"))


def _export_shaped(kind: str, document: Any) -> bool:
    """Whether a document is what ``airflow <kind> export`` writes: a mapping of ids to values
    (connections: URIs or field mappings; pools: mappings with ``slots``)."""
    if not isinstance(document, dict) or not document:
        return False
    values = document.values()
    if kind == "connections":
        return all(isinstance(v, dict) or isinstance(v, str) and "://" in v for v in values)
    if kind == "pools":
        return all(isinstance(v, dict) and "slots" in v for v in values)
    return True


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _read_settings(facts: ConnectionFacts, path: str, text: str, document: Any) -> None:
    """Astronomer's ``airflow_settings.yaml``: ``airflow: {connections, variables, pools}``."""
    try:
        root = yaml.compose(text)
    except yaml.YAMLError:
        return
    airflow = mapping_get(root, "airflow") if root is not None else None
    if airflow is None:
        return
    data = document.get("airflow", {}) if isinstance(document, dict) else {}
    for section, rows in (("connections", data.get("connections")), ("variables", data.get("variables")),
                          ("pools", data.get("pools"))):
        node = mapping_get(airflow, section)
        if not isinstance(rows, list) or not isinstance(node, yaml.SequenceNode):
            continue
        for row, row_node in zip(rows, node.value, strict=False):
            if not isinstance(row, dict):
                continue
            line = row_node.start_mark.line + 1
            if section == "connections" and row.get("conn_id"):
                fields = {_SETTINGS_FIELDS.get(k, k): v for k, v in row.items()}
                facts.connections.append(connection_from_fields(str(row["conn_id"]), fields, path, line, "settings"))
            elif section == "variables" and row.get("variable_name"):
                value = row.get("variable_value")
                facts.variables.append(VariableDef(str(row["variable_name"]),
                                                   None if value is None else str(value), path, line, "settings"))
            elif section == "pools" and row.get("pool_name"):
                facts.pools.append(PoolDef(str(row["pool_name"]), _int_or_none(row.get("pool_slot")),
                                           str(row.get("pool_description") or ""), path, line, "settings"))


def _airflow_cli(argv: tuple[str, ...]) -> list[str] | None:
    """The arguments after ``airflow`` in a command, or None when it does not run airflow."""
    for index, word in enumerate(argv):
        if PurePosixPath(word).name == "airflow":
            return list(argv[index + 1:])
        if not (word in ("sudo", "exec", "gosu", "su-exec", "env") or "=" in word or word.startswith("-")
                or index and argv[index - 1] in ("gosu", "su-exec", "-u")):
            return None
    return None


def _options(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """``--conn-host x`` / ``--conn_host=x`` pairs (underscores as dashes) and positional words."""
    options: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(args):
        word = args[index]
        if word.startswith("-"):
            name, eq, value = word.lstrip("-").partition("=")
            name = name.replace("_", "-")
            if not eq and index + 1 < len(args) and not args[index + 1].startswith("-"):
                value = args[index + 1]
                index += 1
            options[name] = value
        else:
            positional.append(word)
        index += 1
    return options, positional


def read_cli_command(facts: ConnectionFacts, command: ShellCommand) -> None:
    """``airflow connections add|-a``, ``variables set|-s``, ``pools set`` / ``pool -s``."""
    args = _airflow_cli(command.argv)
    if not args:
        return
    group, rest = args[0], args[1:]
    options, positional = _options(rest)
    verb = positional[0] if positional else ""
    path, line = command.path, command.line
    if group == "connections" and (verb in ("add", "create") or "a" in options or "add" in options):
        conn_id = options.get("conn-id") or (positional[1] if verb and len(positional) > 1 else None)
        if not conn_id:
            return
        if options.get("conn-uri"):
            facts.connections.append(parse_connection_uri(conn_id, options["conn-uri"], path, line, "cli"))
        elif options.get("conn-json"):
            facts.connections.append(parse_connection_value(conn_id, options["conn-json"], path, line, "cli"))
        else:
            fields = {name.removeprefix("conn-").replace("-", "_"): value for name, value in options.items()
                      if name.startswith("conn-")}
            if "type" in fields:  # --conn-type
                fields["conn_type"] = fields.pop("type")
            facts.connections.append(connection_from_fields(conn_id, fields, path, line, "cli"))
    elif group == "variables" and (verb == "set" or "s" in options or "set" in options):
        words = positional[1:] if verb == "set" else ([options.get("s") or options.get("set")] + positional)
        if len(words) >= 2 and words[0]:
            facts.variables.append(VariableDef(words[0], words[1], path, line, "cli"))
    elif group in ("pools", "pool") and (verb == "set" or "s" in options or "set" in options):
        words = positional[1:] if verb == "set" else ([options.get("s") or options.get("set")] + positional)
        if words and words[0]:
            slots = _int_or_none(words[1]) if len(words) > 1 else None
            facts.pools.append(PoolDef(words[0], slots, words[2] if len(words) > 2 else "", path, line, "cli"))
