"""Requirement files as pip reads them, and the constraints they are checked against.

- ``files``: one requirements file parsed as pip reads it (comments, continuations, includes,
  index options, ``-e``, VCS/URL/path requirements, ``--hash``), every item with its file and line;
- ``project_set``: the project's requirement set (the entry file, includes followed inside the
  project, cycles detected; constraint and development files; what the bundle ships);
- ``constraints``: the constraints the checks use (``--constraints FILE``, the file's own ``-c``,
  else the MWAA image's shipped in the knowledge base; other URLs fetched once into the tool's
  constraints cache) and the target facts the checks compare with;
- ``needs``: what the code needs beyond its requirement lines (providers, split modules, tools
  installed into a venv of their own), and the inventory section.

Every public name of the four is importable from this package.
"""

from __future__ import annotations

from migrator.analysis.requirements.constraints import (
    FETCH_TIMEOUT_SECONDS,
    OFFLINE_ENV,
    Constraints,
    ConstraintsChoice,
    ConstraintsUnavailable,
    cache_dir,
    choose_constraints,
    constraints_url_versions,
    fetch_constraints,
    frozen_airflow_major,
    is_target_constraints_url,
    marker_excludes_target,
    parse_constraints_text,
    redundant_with_image,
    specifier_excludes,
    target_constraints,
    target_constraints_file,
    target_marker_environments,
    write_cache,
)
from migrator.analysis.requirements.files import (
    ARCHIVE_SUFFIXES,
    PUBLIC_INDEX_HOSTS,
    TRAILING_COMMENT,
    VCS_PREFIXES,
    RequirementFile,
    RequirementLine,
    RequirementOption,
    parse_requirement,
    parse_requirements_text,
    requirements_from_args,
    via_annotations,
)
from migrator.analysis.requirements.needs import (
    ListedElsewhere,
    ProviderNeed,
    SplitModuleNeed,
    listed_elsewhere,
    needed_providers,
    providers_for_extras,
    quick_isolated_executables,
    requirements_inventory,
    split_module_needs,
)
from migrator.analysis.requirements.project_set import (
    INSTALL_TOOLS,
    MWAA_DAGS_DIR,
    MWAA_PLUGINS_DIR,
    PROJECT_METADATA_FILE,
    RequirementsFacts,
    analyse_requirements,
    installs_the_project,
    is_build_only_os_package,
    is_url,
    resolve_local,
)

__all__ = [
    "ARCHIVE_SUFFIXES",
    "FETCH_TIMEOUT_SECONDS",
    "INSTALL_TOOLS",
    "MWAA_DAGS_DIR",
    "MWAA_PLUGINS_DIR",
    "OFFLINE_ENV",
    "PROJECT_METADATA_FILE",
    "PUBLIC_INDEX_HOSTS",
    "TRAILING_COMMENT",
    "VCS_PREFIXES",
    "Constraints",
    "ConstraintsChoice",
    "ConstraintsUnavailable",
    "ListedElsewhere",
    "ProviderNeed",
    "RequirementFile",
    "RequirementLine",
    "RequirementOption",
    "RequirementsFacts",
    "SplitModuleNeed",
    "analyse_requirements",
    "cache_dir",
    "choose_constraints",
    "constraints_url_versions",
    "fetch_constraints",
    "frozen_airflow_major",
    "installs_the_project",
    "is_build_only_os_package",
    "is_target_constraints_url",
    "is_url",
    "listed_elsewhere",
    "marker_excludes_target",
    "needed_providers",
    "parse_constraints_text",
    "parse_requirement",
    "parse_requirements_text",
    "providers_for_extras",
    "quick_isolated_executables",
    "redundant_with_image",
    "requirements_from_args",
    "requirements_inventory",
    "resolve_local",
    "specifier_excludes",
    "split_module_needs",
    "target_constraints",
    "target_constraints_file",
    "target_marker_environments",
    "via_annotations",
    "write_cache",
]
