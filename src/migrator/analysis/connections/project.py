"""The connections, variables and pools a project defines (env sources, export files, pool
tables, CLI commands) and the references its code makes to them: what the CON rules read.

Apart from the package's per-module parts (the references each module's summary keeps): a
scan whose project stage is kept reads no definition file, and imports none of this.
"""

from __future__ import annotations

from collections.abc import Iterable

from migrator import compat
from migrator.analysis.connections.definition_files import (
    _export_kind,
    _read_export,
    _read_pool_table,
    read_cli_command,
)
from migrator.analysis.connections.model import (
    CONN_PREFIX,
    VAR_PREFIX,
    ConnectionDef,
    ConnectionFacts,
    PoolDef,
    VariableDef,
)
from migrator.analysis.connections.references import find_references
from migrator.analysis.connections.uris import parse_connection_value
from migrator.analysis.crashes import contained
from migrator.analysis.envsources import EnvFacts, parse_script
from migrator.analysis.source import Problem, read_text


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
