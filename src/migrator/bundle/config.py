"""mwaa-config.json and the .airflowignore syntax: the project's configuration as MWAA takes it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from migrator.analysis.config import classify, configuration_options
from migrator.bundle.facts import FactsDraft, SecretOption
from migrator.compat import config_policy
from migrator.compat.mwaa import MwaaVersion
from migrator.connections_export import (
    DEFAULT_CONNECTIONS_PREFIX,
    DEFAULT_VARIABLES_PREFIX,
    backend_options,
)
from migrator.findings import Finding

if TYPE_CHECKING:
    from migrator.project import ProjectFacts


def mwaa_configuration(facts: ProjectFacts, target: MwaaVersion, include_secrets: bool,
                       found: FactsDraft, findings: Sequence[Finding] = ()) -> dict[str, str]:
    """The AirflowConfigurationOptions map from the project's config analysis; options whose
    value is a credential stay out unless asked for (mwaa-config.json is a file on disk).

    Findings whose fix sets an option (``kind="config"``, ``action="set"``, e.g. PLG010's
    ``core.lazy_load_plugins = False``) are applied here: `migrator fix` leaves them to this step.
    """
    # The config analysis leaves credential-valued options out of the map itself; they are
    # named here (so the user knows what to set by hand) and put back only when asked.
    options = configuration_options(facts.config, target)
    policy = config_policy(target)
    for option, entry in sorted(facts.config.effective().items()):
        if not entry.is_secret or option in options:
            continue
        verdict = classify(option, target, entry.value)
        key = verdict.new_option or option
        if verdict.kind not in ("allowed", "deprecated", "renamed") or not policy.is_valid_key(key):
            continue  # MWAA takes no such option at all; the CFG rules say why
        if include_secrets:
            options[key] = entry.value
        found.add("secret_options", SecretOption(key, entry.path, include_secrets))
    for finding in findings:
        params = finding.fix.params if finding.fix is not None else {}
        if params.get("kind") == "config" and params.get("action") == "set" \
                and policy.is_valid_key(str(params.get("option", ""))):
            options[params["option"]] = str(params["value"])
    return dict(sorted(options.items()))


def secrets_backend_options(facts: ProjectFacts, config: dict[str, str], target: MwaaVersion
                            ) -> dict[str, str]:
    """The Secrets Manager backend options, when the project defines connections or variables
    (``migrator connections export`` moves them to the default prefixes) and its configuration
    names no secrets backend of its own."""
    connections = facts.connections
    if not (connections.connections or connections.variables) or "secrets.backend" in config:
        return {}
    return backend_options(DEFAULT_CONNECTIONS_PREFIX, DEFAULT_VARIABLES_PREFIX, target)
