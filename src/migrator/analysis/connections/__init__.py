"""Connections, variables and pools: where the project defines them and where it uses them.

Definitions come from ``AIRFLOW_CONN_*``/``AIRFLOW_VAR_*`` variables in every env source,
``airflow connections|variables|pools export`` files (JSON, YAML, env), ``pool_name,slots``
tables (``pools*.csv``), Astronomer's ``airflow_settings.yaml`` and ``airflow connections add``
/ ``variables set`` / ``pools set`` commands in scripts, Dockerfiles and compose commands. References are the literal ids the DAG
and plugin code passes (``*_conn_id=``, ``get_connection``, ``Variable.get``) and Jinja
templates (``{{ conn.x }}``, ``{{ var.value.x }}``, ``{{ var.json.x }}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import partial
from pathlib import PurePosixPath

from migrator import compat
from migrator.analysis.connections.definition_files import (
    _export_kind,
    _load_document,
    _read_export,
    _read_pool_table,
    read_cli_command,
)
from migrator.analysis.connections.model import (
    CONN_PREFIX,
    GENERIC_CONNECTION_READS,
    SECRET_NAME,
    VAR_PREFIX,
    VARIABLE_READ_WITH_DEFAULT,
    ConnectionDef,
    ConnectionFacts,
    PoolDef,
    Reference,
    VariableDef,
)
from migrator.analysis.connections.references import (
    find_references,
    jinja_references,
    secret_name_variables,
)
from migrator.analysis.connections.uris import (
    connection_json,
    connection_uri,
    host_reachability,
    parse_connection_uri,
    parse_connection_value,
    provider_for_connection_type,
)
from migrator.analysis.crashes import contained
from migrator.analysis.envsources import EnvFacts, parse_script
from migrator.analysis.source import Problem, bom_encoding, decode_text, read_bytes, read_text
from migrator.cache import FileFacts

__all__ = ["GENERIC_CONNECTION_READS", "SECRET_NAME", "VARIABLE_READ_WITH_DEFAULT", "Reference",
    "_load_document", "analyse_connections", "connection_json", "connection_uri", "connections_inventory",
    "host_reachability", "jinja_references", "mentioned_keys", "parse_connection_uri",
    "provider_for_connection_type", "quick_pool_definitions", "read_definitions", "secret_name_variables"]


def read_definitions(workspace, env: EnvFacts) -> ConnectionFacts:
    """Every connection, variable and pool the project defines outside the metadata database."""
    facts = ConnectionFacts()
    for variable in env.variables:
        if variable.name.startswith(CONN_PREFIX) and len(variable.name) > len(CONN_PREFIX):
            conn_id = variable.name[len(CONN_PREFIX):].lower()
            if variable.value is None:
                facts.connections.append(ConnectionDef(conn_id, variable.path, variable.line, "env",
                                                       value_known=False, env_origin=variable.origin))
            else:
                facts.connections.append(parse_connection_value(conn_id, variable.value, variable.path,
                                                                variable.line, "env", env_origin=variable.origin))
        elif variable.name.startswith(VAR_PREFIX) and len(variable.name) > len(VAR_PREFIX):
            value = None if variable.value is None or variable.is_reference else variable.value
            facts.variables.append(VariableDef(variable.name[len(VAR_PREFIX):].lower(), value, variable.path,
                                               variable.line, "env", variable.origin))
    for files, what, reader in ((workspace.connection_exports, "connection export", _read_export),
                                (workspace.pool_tables, "pool table", _read_pool_table)):
        for rel in files:
            source = read_text(workspace.path(rel))
            if isinstance(source, Problem):
                facts.problems.append((rel, source))
                continue
            contained(facts.crashes, rel, what, reader, facts, rel, source.text)
    for command in env.commands:
        contained(facts.crashes, command.path, "connection command", read_cli_command, facts, command)
    facts.test_fixtures = _test_fixtures(workspace, facts)
    return facts


def _test_fixtures(workspace, facts: ConnectionFacts) -> set[str]:
    """The files defining connections, variables or pools that only CI or test runs read: a
    file in a CI service's folder or a CI test image's Dockerfile (``.travis/entrypoint.sh``,
    ``Dockerfile.travis``), and an export or script whose path test or CI configuration names
    and no file of a deployment (compose, Dockerfile, env file, entrypoint, startup script,
    airflow.cfg) does."""
    def texts(paths: Iterable[str]) -> list[str]:
        return [source.text for source in map(read_text, map(workspace.path, paths)) if not isinstance(source, Problem)]

    defining = {d.path for d in (*facts.connections, *facts.variables, *facts.pools)} | set(workspace.connection_exports)
    fixtures = {rel for rel in defining if compat.ci_only_path(rel)}
    ci_configs = [*workspace.test_run_configs, *filter(compat.ci_only_path, workspace.dockerfiles)]
    deployment_files = [rel for rel in (*workspace.compose_files, *workspace.dockerfiles, *workspace.env_files,
                                        *workspace.entrypoints, *workspace.startup_scripts, *workspace.airflow_cfgs)
                        if not compat.ci_only_path(rel)]
    # A compose file or Dockerfile CI starts is still the deployment's: only exports and scripts
    # become fixtures by being named.
    named = defining - fixtures - set(deployment_files)
    if not named or not ci_configs:
        return fixtures
    tests = texts(ci_configs)
    deployment = texts(deployment_files)
    return fixtures | {rel for rel in named
                       if any(rel in text for text in tests) and not any(rel in text for text in deployment)}


def mentioned_keys(workspace, keys: Iterable[str], definitions: Iterable[str],
                   file_facts: FileFacts | None = None) -> frozenset[str]:
    """The ``keys`` the project's code or templates name as a whole word: its Python files and
    the other files of its DAG and plugins folders (SQL, Jinja, scripts), leaving out the files
    that define them (``definitions``). What no such file names, nothing reads: ``Variable.get``,
    ``{{ var.value.x }}`` and a helper called with the key all name it; a README does not run.
    Compared ignoring case, lowercased: ``AIRFLOW_VAR_X`` defines the variable ``x``.
    ``file_facts``: each file's answer by its content and the keys asked (a warm run reads the
    files but searches only the changed ones)."""
    # Longest first (the alternation tries them in order), then by name: the same order every run.
    wanted = sorted({key.lower() for key in keys}, key=lambda key: (-len(key), key))
    if not wanted:
        return frozenset()
    word = re.compile(r"(?<![\w])(?:" + "|".join(map(re.escape, wanted)) + r")(?![\w])", re.IGNORECASE)
    ascii_keys = tuple(key.encode() for key in wanted) if all(key.isascii() for key in wanted) else None
    searched = sorted(rel for rel in {*workspace.python_files, *workspace.other_python_files, *workspace.data_files}
                      - set(definitions) if PurePosixPath(rel).suffix.lower() not in _DOCUMENT_SUFFIXES)
    asked = ((rel, data, partial(_words_named, word, ascii_keys), tuple(wanted))
             for rel in searched for data in [read_bytes(workspace.path(rel), for_facts=True)]
             if not isinstance(data, Problem))
    facts = file_facts if file_facts is not None else FileFacts()
    return frozenset().union(*facts.of_each("mentioned_keys", asked).values())


def _words_named(word: re.Pattern[str], ascii_keys: tuple[bytes, ...] | None, data: bytes) -> frozenset[str]:
    """The keys ``word`` finds in ``data``. With ASCII keys, a file whose bytes name none of them
    in any case has none to find, and in a file of ASCII alone the keys made of word characters
    are those among its words: most files are answered without decoding or a search of every key."""
    if ascii_keys is not None and not _may_fold_to_ascii(data):
        lowered = data.lower()
        present = [key for key in ascii_keys if key in lowered]
        if not present:
            return frozenset()
        if data.isascii() and all(map(_ASCII_WORD.fullmatch, present)):  # whole words are whole tokens
            tokens = set(_ASCII_WORD.findall(lowered))
            return frozenset(key.decode() for key in present if key in tokens)
    text = decode_text(data)
    return frozenset() if isinstance(text, Problem) else frozenset(m.lower() for m in word.findall(text.text))


_ASCII_WORD = re.compile(rb"[a-z0-9_]+")  # a word of lowered ASCII text, as \w reads it
# The letters besides ASCII's that a case-insensitive match takes for ASCII letters (İ ı ſ K),
# in UTF-8.
_FOLDING_TO_ASCII = tuple(letter.encode() for letter in "\u0130\u0131\u017f\u212a")


def _may_fold_to_ascii(data: bytes) -> bool:
    """Whether the text of ``data`` may match an ASCII key with letters other than ASCII ones:
    UTF-16 or UTF-32 text, or text holding one of :data:`_FOLDING_TO_ASCII` (UTF-8 and latin-1
    text otherwise match it with the very bytes of its ASCII letters)."""
    return bom_encoding(data) not in (None, "utf-8") or any(letter in data for letter in _FOLDING_TO_ASCII)


# Documentation, which names a variable without reading it.
_DOCUMENT_SUFFIXES = frozenset({".md", ".rst", ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".svg"})


def analyse_connections(workspace, env: EnvFacts, modules: Iterable) -> ConnectionFacts:
    facts = read_definitions(workspace, env)
    facts.references = find_references(modules)
    return facts


def quick_pool_definitions(workspace) -> tuple[PoolDef, ...]:
    """Pools defined in export files, pool tables and ``airflow pools set`` lines, the first
    definition of each name: a cheap pre-pass for the index every worker receives (no compose
    or Dockerfile reading)."""
    facts = ConnectionFacts()
    for rel in workspace.connection_exports:
        if _export_kind(rel)[0] not in ("pools", "settings"):
            continue
        source = read_text(workspace.path(rel))
        if not isinstance(source, Problem):
            contained(facts.crashes, rel, "connection export", _read_export, facts, rel, source.text)
    for rel in workspace.pool_tables:
        source = read_text(workspace.path(rel))
        if not isinstance(source, Problem):
            contained(facts.crashes, rel, "pool table", _read_pool_table, facts, rel, source.text)
    scripts = EnvFacts()
    for rel in [*workspace.entrypoints, *workspace.startup_scripts]:
        source = read_text(workspace.path(rel))
        if not isinstance(source, Problem) and "pool" in source.text:
            contained(facts.crashes, rel, "script", parse_script, scripts, source.text, rel)
    for command in scripts.commands:
        contained(facts.crashes, command.path, "connection command", read_cli_command, facts, command)
    # Failures here are reported once, by the full analyses (MIG006).
    first: dict[str, PoolDef] = {}
    for pool in sorted(facts.pools, key=lambda p: (p.path, p.line)):
        first.setdefault(pool.name, pool)
    return tuple(sorted(first.values(), key=lambda p: p.name))


def connections_inventory(facts: ConnectionFacts) -> dict:
    """Ids of what the project defines (never values)."""
    return {
        "connections": {"defined": sorted(facts.connection_ids)},
        "variables": {"defined": sorted(facts.variable_keys)},
        "pools": {"defined": sorted(facts.pool_names)},
    }
