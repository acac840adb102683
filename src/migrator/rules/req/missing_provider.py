"""REQ007: Code imports a provider that is neither preinstalled nor in requirements.txt"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

from migrator.analysis.requirements import needed_providers
from migrator.analysis.source import SourceText, read_text
from migrator.findings import AddRequirementAtLeast, FixSafety, Location, Severity
from migrator.project import ProjectFacts
from migrator.root_causes import REMOTE_INCLUDE_ANCHOR
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.req._helpers import AIRFLOW, _at, constraint_line
from migrator.secrets import mask_uri


class MissingProvider(ProjectRule):
    """
    ## What it does
    Reports provider distributions the DAG and plugin code imports from (after resolving moved
    imports for the target) that the MWAA image does not preinstall and the requirements file
    does not list, or lists at a version older than the code needs. The message names the
    distribution and the minimum version.

    ## Why it matters on MWAA
    MWAA preinstalls only a handful of providers (amazon, postgres, http, common-sql, ...).
    Every other import fails at parse time with `ModuleNotFoundError` and the DAG shows as
    broken; on-prem images often had the provider baked in, so nothing in the repository
    listed it.

    ## Example
    ```python
    from airflow.providers.snowflake.operators.snowflake import SnowflakeOperator
    ```
    with no `apache-airflow-providers-snowflake` in requirements.txt.

    When the requirements file includes a remote file (`-r https://...`), which pip reads at
    install time and the scan cannot, the provider may be listed there: the finding says so at
    info severity ("unless the remote file lists it") instead of claiming it missing, as a
    related location of missing-constraint's (REQ003) one finding about that include.

    ## Fix
    Add the provider to requirements.txt (the constraints pick the version). `migrator fix`
    adds it (not when a remote include may already list it).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-packages.html
    - https://airflow.apache.org/docs/apache-airflow-providers/packages-ref.html
    """

    id = "REQ007"
    name = "missing-provider"
    severity = Severity.ERROR
    summary = "Code imports a provider that is neither preinstalled nor in requirements.txt"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook\n",
              files={"requirements.txt": "apache-airflow-providers-snowflake\n"}),
        Valid("from airflow.providers.amazon.aws.hooks.s3 import S3Hook\n"),
    )
    invalid = (
        Invalid("from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook\n",
                files={"requirements.txt": "pandas==2.3.3\n"}, contains="apache-airflow-providers-snowflake"),
        Invalid("from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook\n",
                contains="apache-airflow-providers-snowflake"),
        # The fix adds it (no floor: the target's constraints pin a newer version than it needs).
        Invalid("from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook\n",
                files={"requirements.txt": "geopandas==1.0.1\n"}, contains="apache-airflow-providers-snowflake",
                fixed_path="requirements.txt",
                fixed=f"{constraint_line()}\ngeopandas==1.0.1\napache-airflow-providers-snowflake"),
        # Listed only by a requirements file the bundle does not ship (an old lock): still missing.
        Invalid("from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook\n",
                files={"requirements.txt": "pandas==2.3.3\n",
                       "requirements_2.6.1.txt": "apache-airflow-providers-snowflake\n"},
                contains="does not preinstall it"),
        # A name no table knows (an old provider module): its package still names the provider.
        Invalid("from airflow.providers.snowflake.operators.snowflake_old import SnowflakeLegacyOperator\n",
                contains="apache-airflow-providers-snowflake"),
        # A provider module that imports another provider when it loads needs that one too.
        Invalid("from airflow.providers.amazon.aws.operators.eks import EksPodOperator\n",
                files={"requirements.txt": "pandas==2.3.3\n"},
                contains="airflow.providers.amazon.aws.operators.eks imports it when it loads"),
        # A remote include may list it: the scan says it cannot tell, not that it is missing.
        Invalid("from airflow.providers.snowflake.hooks.snowflake import SnowflakeHook\n",
                files={"requirements.txt": "-r https://example.org/base-requirements.txt\n"},
                line=1, contains="unless the remote file https://example.org/base-requirements.txt lists it"),
    )

    def check(self, project, ctx):
        facts = project.requirements
        # apache-airflow[extra] lines do not count: MWAA cannot install them (airflow-pinned).
        shipped = {r.name: r for r in facts.shipped_requirements if r.name and r.name != AIRFLOW}
        entry = facts.shipped_entry
        remote = facts.remote_includes(entry) if entry else []
        for name, need in needed_providers(project.modules, ctx.target).items():
            minimum = need.min_version
            where = ", ".join(sorted({path for path, _ in need.used_by}))
            wanted = f"{name}>={minimum}" if minimum else name
            fix = AddRequirementAtLeast(safety=FixSafety.SAFE,
                                        description=f"add {wanted} to requirements.txt", name=name,
                                        min_version=minimum)
            if need.preinstalled and not _older(need.preinstalled, minimum):
                continue
            requirement = shipped.get(name)
            if requirement is not None:
                if minimum and requirement.specifier and requirement.pinned_version and \
                        _older(requirement.pinned_version, minimum):
                    yield self.finding(requirement.path, _at(requirement.line, requirement.text),
                                       f"{requirement.display()} is older than the {minimum} that {where} needs",
                                       anchor=f"{name}\x1fold", fix=fix)
                continue
            if remote:
                include = remote[0]
                yield self.finding(include.path, _at(include.line, include.text),
                                   f"{name} is imported by {where}: unless the remote file {mask_uri(include.value or '')} lists "
                                   f"it, add {wanted} here",
                                   anchor=f"{name}\x1f{REMOTE_INCLUDE_ANCHOR}", severity=Severity.INFO)
                continue
            if need.preinstalled:
                message = (f"{name} is imported by {where}, which needs {minimum} or newer; MWAA "
                           f"{ctx.target.airflow} preinstalls {need.preinstalled}: add {wanted} to requirements.txt")
            elif need.indirect:
                through = ", ".join(sorted({qualname.rpartition(".")[0] for _, qualname in need.used_by}))
                message = (f"{name} is needed by {where}: {through} imports it when it loads, and MWAA "
                           f"{ctx.target.airflow} does not preinstall it: add {wanted} to requirements.txt")
            else:
                message = (f"{name} is imported by {where} but MWAA {ctx.target.airflow} does not preinstall it: "
                           f"add {wanted} to requirements.txt")
            if entry:
                yield self.finding(entry, _at(1), message, anchor=f"{name}\x1fmissing", fix=fix)
            else:
                path, qualname = need.used_by[0]
                yield self.finding(path, _locate_import(project, path, qualname), message,
                                   anchor=f"{name}\x1fmissing", fix=fix)


def _older(version: str, minimum: str | None) -> bool:
    if not minimum:
        return False
    try:
        return Version(version) < Version(minimum)
    except InvalidVersion:
        return False


def _locate_import(project: ProjectFacts, path: str, qualname: str) -> Location:
    source = read_text(project.workspace.path(path))
    if isinstance(source, SourceText):
        module = qualname.rsplit(".", 1)[0]
        for number, line in enumerate(source.text.splitlines(), 1):
            if module in line and "import" in line:
                return _at(number, line)
    return _at(1)
