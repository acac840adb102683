"""REQ: requirements.txt checked against the target MWAA environment.

MWAA runs ``pip install -r requirements.txt`` on every component with its own never-overridable
pins added; a conflict makes the environment update fail and roll back after a long wait. These
rules read the parsed requirement files (``project.requirements``), the constraints chosen for
the target (``project.constraints_for``) and the knowledge base.

Fixes carry ``kind="requirements"`` and an ``action`` (``drop``, ``pin``, ``add-constraint``,
``replace-constraint``, ``add``); :mod:`migrator.requirements_fix` applies them all at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from migrator import compat
from migrator.analysis.os_packages import imported_names, needed_os_packages, uses_os_library
from migrator.analysis.requirements import (
    MWAA_PLUGINS_DIR,
    PROJECT_METADATA_FILE,
    PUBLIC_INDEX_HOSTS,
    REMOTE_INCLUDE_ANCHOR,
    ConstraintsChoice,
    RequirementLine,
    RequirementOption,
    frozen_airflow_major,
    installs_the_project,
    is_url,
    marker_excludes_target,
    needed_providers,
    providers_for_extras,
    redundant_with_image,
    specifier_excludes,
)
from migrator.findings import Finding, Fix, FixSafety, Location, Severity
from migrator.project import ProjectFacts
from migrator.requirements_fix import imported_modules
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid
from migrator.secrets import mask_uri

AIRFLOW = "apache-airflow"
PROVIDER_PREFIX = "apache-airflow-providers-"

CONSTRAINTS_331 = "flask==3.1.3\nrequests==2.34.2\npandas==2.3.3\napache-airflow-providers-snowflake==6.5.0\n"


def _at(line: int, text: str = "") -> Location:
    return Location(line, 1, line, max(len(text), 1) + 1)


def _requirement_fix(action: str, description: str, safety: FixSafety = FixSafety.SAFE, **params) -> Fix:
    return Fix.make(safety, description, kind="requirements", action=action, **params)


def essential_versions(target, choice: ConstraintsChoice | None) -> dict[str, str | None]:
    """Canonical name -> the version MWAA pins for ``target``: the image's own pins, else the
    constraints' (None when not known here)."""
    image = compat.runtime(target)
    constraints = choice.constraints if choice else None
    versions: dict[str, str | None] = {}
    for name in compat.essential_pin_names(target):
        if name == AIRFLOW:
            versions[name] = target.airflow
        elif image is not None and name in image.essential:
            versions[name] = image.essential[name]
        else:
            versions[name] = constraints.get(name) if constraints else None
    return versions


class _RequirementRule(ProjectRule):
    """Runs ``check_entry`` on the requirements file the bundle ships (with its includes): the
    project's other requirement files (old locks, copies, a Docker image's or a Lambda's) are
    never installed on MWAA, so their lines are not judged."""

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        if project.requirements.shipped_entry:
            yield from self.check_entry(project, ctx, project.requirements.shipped_entry)

    def check_entry(self, project: ProjectFacts, ctx: RuleContext, entry: str) -> Iterator[Finding]:
        raise NotImplementedError

    def at_requirement(self, requirement: RequirementLine, message: str, *, fix: Fix | None = None,
                       severity: Severity | None = None) -> Finding:
        return self.finding(requirement.path, _at(requirement.line, requirement.text), message,
                            anchor=f"{requirement.name or requirement.display()}\x1f{message}", fix=fix,
                            severity=severity)

    def at_option(self, option: RequirementOption, message: str, *, fix: Fix | None = None) -> Finding:
        return self.finding(option.path, _at(option.line, option.text), message,
                            anchor=f"{option.option}\x1f{message}", fix=fix)


class EssentialPinConflict(_RequirementRule):
    """
    ## What it does
    Reports requirements that ask for a version of a package MWAA pins and never lets users
    override (the Flask stack, celery and kombu, SQLAlchemy, gunicorn, watchtower, ...): the
    requirement's version specifier excludes the version MWAA's image installs.

    ## Why it matters on MWAA
    MWAA installs requirements with its own essential constraints added. pip cannot satisfy
    both, the requirements install fails on every component, and the environment update
    rolls back after 20 minutes or more, with "MWAA enforces a list of critical packages"
    in the `requirements_install` log.

    ## Example
    ```text
    Flask==2.2.5
    SQLAlchemy==1.4.49
    ```

    ## Fix
    Remove the line: the package is already installed at MWAA's version. If code needs an
    API of another version, change the code. `migrator fix` drops these lines.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    - https://github.com/aws/amazon-mwaa-docker-images (etc/mwaa_essential_constraints.txt)
    """

    id = "REQ001"
    name = "essential-pin-conflict"
    severity = Severity.ERROR
    summary = "Requirement conflicts with a package MWAA pins and never lets users override"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(files={"requirements.txt": "-c constraints.txt\nflask==3.1.3\nrequests==2.34.2\n",
                     "constraints.txt": CONSTRAINTS_331}),
        Valid(files={"requirements.txt": "-c constraints.txt\nflask>=2.0\n", "constraints.txt": CONSTRAINTS_331}),
        # An old lock for another Airflow beside the shipped requirements.txt: MWAA never installs it.
        Valid(files={"requirements.txt": "requests==2.34.2\n", "requirements_2.6.1.txt": "gunicorn==20.1.0\nFlask==2.2.5\n"}),
    )
    invalid = (
        Invalid(files={"requirements.txt": "-c constraints.txt\nFlask==2.2.5\n", "constraints.txt": CONSTRAINTS_331},
                line=2, contains="Flask==3.1.3"),
        Invalid(files={"requirements.txt": "-c constraints.txt\nwatchtower==1.0.6\n",
                       "constraints.txt": CONSTRAINTS_331},
                contains="watchtower"),
    )

    def check_entry(self, project, ctx, entry):
        choice = project.constraints_for(entry, ctx.target)
        essentials = essential_versions(ctx.target, choice)
        for requirement in project.requirements.requirements_of(entry):
            name = requirement.name
            if name not in essentials or name == AIRFLOW or not requirement.specifier:
                continue
            version = essentials[name]
            drop = _requirement_fix("drop", f"remove {requirement.written_name}: MWAA installs its own version",
                                    name=name)
            if version is None:
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()}: MWAA pins {requirement.written_name} on Airflow {ctx.target.airflow} "
                    "and never lets requirements change it; its version is not known here (no constraints), "
                    "so the line may conflict. Remove it.",
                    fix=drop, severity=Severity.WARNING)
            elif specifier_excludes(requirement.specifier, version):
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()} conflicts with MWAA's never-overridable pin "
                    f"{requirement.written_name}=={version} on Airflow {ctx.target.airflow}: the requirements "
                    "install fails and the environment update rolls back",
                    fix=drop)


class AirflowPinned(_RequirementRule):
    """
    ## What it does
    Reports `apache-airflow` itself in the requirements file.

    ## Why it matters on MWAA
    MWAA installs Airflow at the environment's version and pins it. A requirement for another
    version makes pip fail and the update roll back; a requirement for the same version only
    slows the install down. Extras (`apache-airflow[amazon]`) do not install providers at a
    version pip can choose freely either.

    ## Example
    ```text
    apache-airflow[postgres]==2.7.3
    ```

    ## Fix
    Remove the line; list the providers the extras stood for as `apache-airflow-providers-*`
    requirements instead. `migrator fix` does both.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/t-create-update-environment.html
    """

    id = "REQ002"
    name = "airflow-pinned"
    severity = Severity.ERROR
    summary = "requirements.txt installs apache-airflow itself"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "apache-airflow-providers-snowflake==6.5.0\n"}),
             # A copy of an older requirements file, kept beside the shipped one: MWAA never installs it.
             Valid(files={"requirements.txt": "apache-airflow-providers-snowflake==6.5.0\n",
                          "requirements_v2.10.4.txt": "apache-airflow==2.10.4\napache-airflow-providers-snowflake==6.5.0\n"}))
    invalid = (
        Invalid(files={"requirements.txt": "apache-airflow[postgres]==2.7.3\n"}, line=1, contains="2.7.3"),
        Invalid(files={"requirements.txt": "apache-airflow==3.3.1\n"}, contains="already installs"),
    )

    def check_entry(self, project, ctx, entry):
        for requirement in project.requirements.requirements_of(entry):
            if requirement.name != AIRFLOW:
                continue
            choice = project.constraints_for(entry, ctx.target) if requirement.extras else None
            providers = providers_for_extras(requirement.extras, ctx.target, choice.constraints if choice else None)
            fix = _requirement_fix("drop", "remove apache-airflow (MWAA installs it)", name=AIRFLOW,
                                   add=tuple(providers))
            if requirement.specifier and specifier_excludes(requirement.specifier, ctx.target.airflow):
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()} asks for another Airflow than the environment's "
                    f"{ctx.target.airflow}: pip fails against MWAA's pin and the update rolls back",
                    fix=fix)
            else:
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()}: MWAA already installs apache-airflow {ctx.target.airflow}; "
                    "remove the line" + (f" and list {', '.join(providers)}" if providers else ""),
                    fix=fix, severity=Severity.WARNING)


class MissingConstraint(_RequirementRule):
    """
    ## What it does
    Reports a requirements file without a `--constraint` (`-c`) line.

    ## Why it matters on MWAA
    Nothing breaks: when the file names no constraints, MWAA logs a warning and installs with
    its own copy of the Apache constraints of the environment's Airflow (the same file the
    target's constraints URL serves). The MWAA user guide still asks for the line: it makes the
    file say which constraints it was tested with, and an Airflow upgrade then changes it in
    review instead of silently.

    ## Example
    ```text
    apache-airflow-providers-snowflake
    pandas==2.2.3
    ```

    ## Fix
    Add the target's constraints URL as the first line, e.g.
    `--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-3.3.1/constraints-3.12.txt"`.
    `migrator fix` adds it, except when the file includes a remote requirements file
    (`-r https://...`): that file may carry its own `--constraint`, which the scan cannot read,
    so the finding says the include goes unchecked and asks for the target's constraints unless
    the remote file names them. Providers the code imports that only the remote file may list
    (missing-provider, REQ007) are related locations of that one finding.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-packages.html
    - https://github.com/aws/amazon-mwaa-docker-images (python/mwaa/utils/user_requirements.py)
    """

    id = "REQ003"
    name = "missing-constraint"
    severity = Severity.INFO
    summary = "requirements.txt has no --constraint line"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "-c constraints.txt\npandas==2.3.3\n", "constraints.txt": "pandas==2.3.3\n"}),
             Valid(files={"requirements.txt": "# -c constraints.txt (MWAA accepts a commented line)\npandas==2.3.3\n"}),
             # A Docker image's requirements beside the shipped file: MWAA never installs them.
             Valid(files={"requirements.txt": "-c constraints.txt\npandas==2.3.3\n", "constraints.txt": "pandas==2.3.3\n",
                          "docker/airflow/requirements_v2.6.2.txt": "pandas==1.5.3\n"}))
    invalid = (Invalid(files={"requirements.txt": "pandas==2.3.3\n"}, line=1, contains="constraints-3.3.1"),
               Invalid(files={"requirements.txt": "pandas==2.3.3\n"}, contains="MWAA adds its own copy"),
               # A remote include may carry a --constraint: not claimed missing, asked to be checked.
               Invalid(files={"requirements.txt": "-r https://example.org/base-requirements.txt\npandas==2.3.3\n"},
                       line=1, contains="this scan cannot read it"))

    def check_entry(self, project, ctx, entry):
        facts = project.requirements
        if facts.options_of(entry, "constraint") or any(facts.files[p].has_commented_constraint
                                                         for p in facts.closure(entry) if p in facts.files):
            return
        url = ctx.target.constraints_url
        remote = facts.remote_includes(entry)
        if remote:
            include = remote[0]
            yield self.finding(include.path, _at(include.line, include.text),
                               f"{include.text} is fetched by pip at install time and this scan cannot read it: "
                               "the requirements and any --constraint it holds go unchecked; unless it names "
                               f"--constraint \"{url}\" (Airflow {ctx.target.airflow}), add that line here",
                               anchor=REMOTE_INCLUDE_ANCHOR)
            return
        yield self.finding(entry, _at(1), f"no --constraint line: MWAA adds its own copy of Airflow "
                                          f"{ctx.target.airflow}'s constraints and logs a warning; add --constraint "
                                          f"\"{url}\" so the file names the constraints it installs with",
                           anchor="missing-constraint",
                           fix=_requirement_fix("add-constraint", "add the target's --constraint line", url=url))


class ConstraintConflict(_RequirementRule):
    """
    ## What it does
    Reports requirements whose version specifier excludes the version the target's
    constraints file pins. The message names both versions.

    ## Why it matters on MWAA
    pip installs requirements under the constraints; when the two disagree there is no
    solution, the install fails on every component and the update rolls back.

    ## Example
    ```text
    --constraint "https://raw.githubusercontent.com/apache/airflow/constraints-3.3.1/constraints-3.12.txt"
    requests==2.25.1
    ```

    ## Fix
    Move the pin to the constrained version (or drop the version and let the constraints pick
    it). If you really need another version, download the constraints file, edit it, ship it in
    the DAGs folder and point `--constraint` at `/usr/local/airflow/dags/<file>`.
    `migrator fix` moves the pin.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-packages.html
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/installing-from-pypi.html
    """

    id = "REQ004"
    name = "constraint-conflict"
    severity = Severity.ERROR
    summary = "Requirement conflicts with the target's constraints"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "-c constraints.txt\nrequests>=2.0\npandas\n",
                          "constraints.txt": CONSTRAINTS_331}),
             # A constraints file of the DAGs folder (named so, or used with -c) installs nothing itself.
             Valid(files={"requirements.txt": "requests\n", "dags/requirements-constraints.txt": "requests==2.25.1\n"}))
    invalid = (Invalid(files={"requirements.txt": "-c constraints.txt\nrequests==2.25.1\n",
                              "constraints.txt": CONSTRAINTS_331},
                       line=2, contains="requests==2.34.2"),)

    def check_entry(self, project, ctx, entry):
        choice = project.constraints_for(entry, ctx.target)
        if choice.constraints is None:
            return
        essentials = set(compat.essential_pin_names(ctx.target))
        for requirement in project.requirements.requirements_of(entry):
            name = requirement.name
            if not name or name in essentials or not requirement.specifier:
                continue
            pinned = choice.constraints.get(name)
            if pinned and specifier_excludes(requirement.specifier, pinned):
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()} conflicts with the constraints for Airflow {ctx.target.airflow}, "
                    f"which pin {requirement.written_name}=={pinned} ({mask_uri(choice.constraints.source)})",
                    fix=_requirement_fix("pin", f"pin {requirement.written_name}=={pinned}", name=name,
                                         version=pinned))


class ConstraintVersionMismatch(_RequirementRule):
    """
    ## What it does
    Reports a `--constraint` URL that names another Airflow or Python version than the target
    MWAA environment runs.

    ## Why it matters on MWAA
    The constraints of another Airflow release pin providers and libraries built for that
    release; they fight MWAA's own pins and the install fails, or installs providers that do
    not import on the target. Upgrades must change this line.

    ## Example
    ```text
    --constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.7.3/constraints-3.11.txt"
    ```

    ## Fix
    Point the line at the target's constraints (`migrator fix` rewrites it).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/upgrading-environment.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-versions.html
    """

    id = "REQ005"
    name = "constraint-version-mismatch"
    severity = Severity.ERROR
    summary = "--constraint URL is for another Airflow or Python version"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "-c constraints.txt\n", "constraints.txt": "pandas==2.3.3\n"}),)
    invalid = (Invalid(files={
        "requirements.txt": "--constraint https://raw.githubusercontent.com/apache/airflow/constraints-2.7.3/constraints-3.11.txt\n"},
        line=1, contains="2.7.3"),)

    def check_entry(self, project, ctx, entry):
        from migrator.analysis.requirements import constraints_url_versions

        url = ctx.target.constraints_url
        for option in project.requirements.options_of(entry, "constraint"):
            airflow, python = constraints_url_versions(option.value or "")
            if airflow and (airflow != ctx.target.airflow or (python and python != ctx.target.python)):
                yield self.at_option(
                    option,
                    f"the constraints are for Airflow {airflow} / Python {python}; the target runs Airflow "
                    f"{ctx.target.airflow} / Python {ctx.target.python}: use {url}",
                    fix=_requirement_fix("replace-constraint", "point --constraint at the target's constraints",
                                         old=option.value, url=url))


class ConstraintsUnavailable(_RequirementRule):
    """
    ## What it does
    Says that the constraints pip will install with could not be read: a `--constraint` URL of
    the file's own that is not the target's Apache constraints URL could not be fetched (no
    network), or `--constraints FILE` cannot be read. The checks then use the MWAA image's own
    constraints for the target, which ship with the tool; only for a target whose image files
    were never published (Airflow 2.7.2 and 2.8.1) are they skipped.

    ## Why it matters on MWAA
    The checks that catch rollbacks before they happen need the constraints pip will really
    use. When they are another file than the target's, the report may miss conflicts with it,
    and says so instead of staying silent.

    ## Example
    A scan on a machine without internet access of a requirements file whose `--constraint`
    points at a company mirror of the constraints.

    ## Fix
    Run once with network access (the file is cached in `~/.cache/mwaa-migrator`), or download
    the constraints file and pass it: `migrator scan --constraints constraints-3.12.txt`
    (or `constraints = "..."` in `[tool.migrator]`), or reference a local copy with `-c`.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/installing-from-pypi.html
    """

    id = "REQ006"
    name = "constraints-unavailable"
    severity = Severity.INFO
    summary = "The requirements file's own constraints could not be read"
    valid = (Valid(files={"requirements.txt": "-c constraints.txt\npandas==2.3.3\n", "constraints.txt": "pandas==2.3.3\n"}),
             Valid(files={"requirements.txt": "pandas==2.3.3\n"}))
    invalid = (Invalid(files={"requirements.txt": "-c https://constraints.example.invalid/constraints.txt\npandas\n"},
                       contains="--constraints FILE"),)

    def check_entry(self, project, ctx, entry):
        choice = project.constraints_for(entry, ctx.target)
        if choice.constraints is None:
            message = (f"constraint checks skipped ({choice.skipped_reason}); enable them with --constraints FILE "
                       "(the target's constraints file)")
        elif choice.skipped_reason:
            message = (f"the file's own constraints could not be read ({choice.skipped_reason}); pass them "
                       "with --constraints FILE to check against them")
        else:
            return
        yield self.finding(entry, _at(1), message, anchor="constraints-unavailable")


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
            fix = _requirement_fix("add", f"add {wanted} to requirements.txt", name=name, min_version=minimum)
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
    from migrator.analysis.source import SourceText, read_text

    source = read_text(project.workspace.path(path))
    if isinstance(source, SourceText):
        module = qualname.rsplit(".", 1)[0]
        for number, line in enumerate(source.text.splitlines(), 1):
            if module in line and "import" in line:
                return _at(number, line)
    return _at(1)


class PreinstalledPackage(_RequirementRule):
    """
    ## What it does
    Reports requirements for packages every MWAA image of the target already has (every
    distribution in the image's bill of materials: the preinstalled providers, Airflow's own
    dependencies, and what MWAA installs itself, such as `psycopg2` and `virtualenv`). A pin
    the constraints exclude is a conflict, not a redundancy: constraint-conflict (REQ004)
    reports it.

    ## Why it matters on MWAA
    The line is redundant unless it deliberately changes the version (an amazon provider
    upgrade is the documented case). Redundant lines make every install slower and hide which
    versions the DAGs really run with.

    ## Example
    ```text
    apache-airflow-providers-amazon
    psycopg2-binary
    ```

    ## Fix
    Remove the line (`migrator fix` removes it when the image's version satisfies it), or keep
    it on purpose with a version and a comment saying why.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-packages.html
    """

    id = "REQ008"
    name = "preinstalled-package"
    severity = Severity.INFO
    summary = "Requirement for a package MWAA already installs"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "apache-airflow-providers-snowflake\n"}),
             # A pin the constraints exclude is a conflict, not a redundancy: constraint-conflict says so.
             Valid(files={"requirements.txt": "-c constraints.txt\nrequests==2.25.1\n", "constraints.txt": CONSTRAINTS_331}),
             # A Lambda's runtime requirements: MWAA never installs them.
             Valid(files={"requirements.txt": "apache-airflow-providers-snowflake\n",
                          "workflows_api/runtime/requirements.txt": "apache-airflow-providers-amazon\nrequests\n"}))
    invalid = (Invalid(files={"requirements.txt": "apache-airflow-providers-amazon\n"}, line=1,
                       contains="preinstalled"),
               Invalid(files={"requirements.txt": "boto3-stubs==1.0\n"}, line=1, contains="keep it only on purpose"))

    def check_entry(self, project, ctx, entry):
        installed = compat.image_packages(ctx.target)
        essentials = compat.essential_pin_names(ctx.target)
        constraints = project.constraints_for(entry, ctx.target).constraints
        for requirement in project.requirements.requirements_of(entry):
            name = requirement.name
            if not name or name not in installed or name in essentials or name == AIRFLOW:
                continue
            version = installed[name]
            constrained = constraints.get(name) if constraints else None
            if constrained and requirement.specifier and specifier_excludes(requirement.specifier, constrained):
                continue  # a conflict, not a redundancy: constraint-conflict reports it
            shown = f" {version}" if version else ""
            if redundant_with_image(requirement, version, constrained):
                yield self.at_requirement(
                    requirement,
                    f"{requirement.written_name} is preinstalled on MWAA {ctx.target.airflow}{shown}; the line "
                    "is redundant",
                    fix=_requirement_fix("drop", f"remove {requirement.written_name}: MWAA's image has it",
                                         name=name))
            else:
                yield self.at_requirement(
                    requirement,
                    f"{requirement.written_name} is preinstalled on MWAA {ctx.target.airflow}{shown}; this line "
                    "asks for another version: keep it only on purpose")


class UnpinnedRequirement(_RequirementRule):
    """
    ## What it does
    Reports requirements with no upper bound (`==`, `<=`, `<`, `~=`) that the constraints do
    not pin either.

    ## Why it matters on MWAA
    Every environment update and every worker replacement reinstalls requirements. An unpinned
    package installs the newest release of that day, which can break imports or conflict with
    MWAA's pins months after the environment was tested.

    ## Example
    ```text
    pandas
    great-expectations>=0.15
    ```

    ## Fix
    Pin the version you tested (`pandas==2.2.3`).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "REQ009"
    name = "unpinned-requirement"
    severity = Severity.WARNING
    summary = "Requirement has no version pin and the constraints do not pin it"
    valid = (Valid(files={"requirements.txt": "-c constraints.txt\nrequests\nmy-lib==1.0\n",
                          "constraints.txt": CONSTRAINTS_331}),
             # A Lambda's runtime requirements in the same repository: MWAA never installs them.
             Valid(files={"requirements.txt": "my-lib==1.0\n", "workflows_api/runtime/requirements.txt": "mangum>=0.15.0\n"}))
    invalid = (Invalid(files={"requirements.txt": "-c constraints.txt\nmy-lib>=1.0\n", "constraints.txt": CONSTRAINTS_331},
                       line=2, contains="my-lib"),)

    def check_entry(self, project, ctx, entry):
        choice = project.constraints_for(entry, ctx.target)
        constraints = choice.constraints
        essentials = compat.essential_pin_names(ctx.target)
        for requirement in project.requirements.requirements_of(entry):
            name = requirement.name
            if requirement.kind != "pypi" or not name or name in essentials or requirement.has_upper_bound:
                continue
            if constraints is not None and constraints.get(name):
                continue
            reason = "the constraints do not pin it" if constraints is not None else "no constraints were read"
            yield self.at_requirement(requirement, f"{requirement.display()} is not pinned and {reason}: every "
                                                   "install takes the newest release")


class MarkerExcludesTarget(_RequirementRule):
    """
    ## What it does
    Reports requirements whose environment marker is false on the target's MWAA workers
    (Python version, Linux).

    ## Why it matters on MWAA
    pip silently skips them, so a package the DAGs import is never installed; typical after a
    Python upgrade (`; python_version < "3.10"` on a Python 3.12 target).

    ## Example
    ```text
    backports.zoneinfo==0.2.1; python_version < "3.9"
    ```

    ## Fix
    Remove the marker, or remove the line when the package is not needed on the target.

    ## References
    - https://packaging.python.org/en/latest/specifications/dependency-specifiers/#environment-markers
    """

    id = "REQ010"
    name = "marker-excludes-target"
    severity = Severity.WARNING
    summary = "Environment marker skips the requirement on the target"
    valid = (Valid(files={"requirements.txt": 'pandas==2.3.3; python_version >= "3.9"\n'}),)
    invalid = (Invalid(files={"requirements.txt": 'pandas==1.3.5; python_version < "3.10"\n'}, line=1,
                       contains="Python 3.12"),)

    def check_entry(self, project, ctx, entry):
        for requirement in project.requirements.requirements_of(entry):
            if requirement.marker and marker_excludes_target(requirement.marker, ctx.target, requirement.extras):
                yield self.at_requirement(
                    requirement,
                    f"the marker `{requirement.marker}` is false on MWAA {ctx.target.airflow} (Python "
                    f"{ctx.target.python}, Linux): pip skips {requirement.written_name}")


def _index_host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class PrivateIndex(_RequirementRule):
    """
    ## What it does
    Reports `--index-url`, `--extra-index-url` and `--find-links` pointing at hosts other than
    PyPI, and credentials written into such URLs (shown masked).

    ## Why it matters on MWAA
    The requirements install runs inside your VPC. With private networking (or a private web
    server) there is no route to an on-prem Nexus/Artifactory, and the install times out and
    rolls back; credentials in the file end up in S3 and in the install log.

    ## Example
    ```text
    --extra-index-url https://deploy:s3cret@nexus.corp.example.com/repository/pypi/simple
    ```

    ## Fix
    Mirror the packages into AWS CodeArtifact (reachable through a VPC endpoint) and keep the
    token out of the file (`${AIRFLOW__FOO__TOKEN}` from a configuration option or
    `startup.sh`), or ship wheels in plugins.zip and use
    `--find-links /usr/local/airflow/plugins` with `--no-index`.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    - https://github.com/aws-samples/amazon-mwaa-examples/tree/main/usecases/mwaa-with-codeartifact
    """

    id = "REQ011"
    name = "private-index"
    severity = Severity.WARNING
    summary = "Package index MWAA may not reach from a private network"
    valid = (Valid(files={"requirements.txt": "--find-links /usr/local/airflow/plugins\n--no-index\nmy-lib==1.0\n"}),
             Valid(files={"requirements.txt": "--index-url https://pypi.org/simple\npandas==2.3.3\n"}))
    invalid = (Invalid(files={"requirements.txt": "--extra-index-url https://deploy:s3cret@nexus.corp.example.com/simple\n"},
                       line=1, contains="deploy:****@"),)

    def check_entry(self, project, ctx, entry):
        for option in project.requirements.options_of(entry, "index-url", "extra-index-url", "find-links"):
            value = option.value or ""
            if not is_url(value):
                continue  # local --find-links folders: local-path-requirement
            host = _index_host(value)
            if host in PUBLIC_INDEX_HOSTS:
                continue
            shown = mask_uri(value)
            if ".codeartifact." in host and host.endswith(".amazonaws.com"):
                advice = "CodeArtifact needs a VPC endpoint on private networks and a token kept out of the file"
            else:
                advice = ("a private-network environment cannot reach it: mirror into CodeArtifact or ship "
                          f"wheels in plugins.zip with --find-links {MWAA_PLUGINS_DIR} --no-index")
            if shown != value:
                advice += "; the URL holds credentials: move them to a configuration option or startup.sh"
            yield self.at_option(option, f"--{option.option} {shown}: {advice}")


class VcsRequirement(_RequirementRule):
    """
    ## What it does
    Reports requirements installed from a version-control URL (`git+https://...`).

    ## Why it matters on MWAA
    They need network access to the repository host during every install (private networks
    have none), credentials for private repositories, and they build from source on each
    worker, which eats into the install time limit.

    ## Example
    ```text
    git+https://github.com/acme/airflow-utils.git@v1.4#egg=airflow-utils
    ```

    ## Fix
    Build a wheel (`pip wheel`), publish it to a private index or ship it in plugins.zip and
    install it with `--find-links /usr/local/airflow/plugins`.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "REQ012"
    name = "vcs-requirement"
    severity = Severity.WARNING
    summary = "Requirement installed from a version-control URL"
    valid = (Valid(files={"requirements.txt": "airflow-utils==1.4\n"}),)
    invalid = (Invalid(files={"requirements.txt": "git+https://github.com/acme/airflow-utils.git@v1.4#egg=airflow-utils\n"},
                       line=1, contains="airflow-utils"),)

    def check_entry(self, project, ctx, entry):
        for requirement in project.requirements.requirements_of(entry):
            if requirement.kind == "vcs":
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()} is installed from version control: each worker needs the repository "
                    f"host and git during install; build a wheel and ship it in plugins.zip "
                    f"(--find-links {MWAA_PLUGINS_DIR})")


class LocalPathRequirement(_RequirementRule):
    """
    ## What it does
    Reports requirements and `--find-links` that name a local path (`-e .`, `./libs/pkg`,
    `file:///...`, `--find-links ./wheels`).

    ## Why it matters on MWAA
    MWAA installs requirements.txt alone from S3: the path does not exist there and the
    install fails.

    ## Example
    ```text
    -e ./libs/company_utils
    ```

    ## Fix
    Build a wheel of the package, put it in plugins.zip, and install it with
    `--find-links /usr/local/airflow/plugins` plus the package name; or move the code into
    the DAGs folder as a plain module.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "REQ013"
    name = "local-path-requirement"
    severity = Severity.ERROR
    summary = "Requirement or --find-links names a local path"
    valid = (Valid(files={"requirements.txt": "--find-links /usr/local/airflow/plugins\ncompany-utils==1.0\n"}),)
    invalid = (Invalid(files={"requirements.txt": "-e ./libs/company_utils\n"}, line=1, contains="./libs/company_utils"),
               Invalid(files={"requirements.txt": "--find-links ./wheels\ncompany-utils==1.0\n"}, line=1))

    def check_entry(self, project, ctx, entry):
        advice = f"build a wheel, ship it in plugins.zip and use --find-links {MWAA_PLUGINS_DIR}"
        for requirement in project.requirements.requirements_of(entry):
            if requirement.kind == "path":
                yield self.at_requirement(requirement, f"{requirement.display()} is a local path that does not "
                                                       f"exist on MWAA: {advice}")
        for option in project.requirements.options_of(entry, "find-links"):
            value = (option.value or "").rstrip("/")
            if value and not is_url(value) and value not in (MWAA_PLUGINS_DIR,) and \
                    not value.startswith(MWAA_PLUGINS_DIR + "/"):
                yield self.at_option(option, f"--find-links {value} is a local folder that does not exist on MWAA: "
                                             f"{advice}")


class UrlRequirement(_RequirementRule):
    """
    ## What it does
    Reports requirements installed from a direct URL (`https://host/pkg-1.0-py3-none-any.whl`,
    `name @ https://...`).

    ## Why it matters on MWAA
    Each worker downloads the file during install: private networks cannot, and a host that
    moves or goes down breaks every later environment update.

    ## Example
    ```text
    https://artifacts.example.com/wheels/acme_hooks-2.1-py3-none-any.whl
    ```

    ## Fix
    Ship the wheel in plugins.zip and install it by name with
    `--find-links /usr/local/airflow/plugins`, or publish it to a private index.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "REQ014"
    name = "url-requirement"
    severity = Severity.WARNING
    summary = "Requirement installed from a direct URL"
    valid = (Valid(files={"requirements.txt": "acme-hooks==2.1\n"}),)
    invalid = (Invalid(files={"requirements.txt": "https://artifacts.example.com/wheels/acme_hooks-2.1-py3-none-any.whl\n"},
                       line=1, contains="acme_hooks"),)

    def check_entry(self, project, ctx, entry):
        for requirement in project.requirements.requirements_of(entry):
            if requirement.kind == "url":
                yield self.at_requirement(requirement, f"{requirement.display()} is downloaded from a URL on every "
                                                       f"install: ship the file in plugins.zip (--find-links "
                                                       f"{MWAA_PLUGINS_DIR}) or publish it to an index")


class NeedsOsLibrary(_RequirementRule):
    """
    ## What it does
    Reports requirements that need operating-system libraries or programs pip cannot install
    (Oracle Instant Client, unixODBC drivers, a Java runtime, Kerberos, ...). A library needed
    only to run the package (a database client, a JVM, spark-submit) is reported only when the
    DAG or plugin code imports the package; a line nothing imports (left from a frozen
    environment) should go rather than bring a JVM along, nor is one the code's calls do not
    load (`cx_Oracle.makedsn` formats a string; connecting loads the Instant Client). A
    library needed to build or install the package is reported whatever uses it, unless the
    release pip installs has a wheel for the target's Python with the library linked in
    (`xmlsec` 1.3.14 and later but 1.3.15). What each distribution needs is data in the
    knowledge base (`compat/data/os_libraries.json`, the wheels checked on PyPI).

    ## Why it matters on MWAA
    MWAA images are Amazon Linux with Python and Airflow only. The package either fails to
    build during the install, or installs and then fails at import or connection time on the
    worker.

    ## Example
    ```text
    cx-Oracle==8.3.0
    pyodbc==5.1.0
    ```

    ## Fix
    Install the library from `startup.sh` (`sudo yum -y install ...`; MWAA runs it before the
    requirements install), or ship prebuilt binaries in plugins.zip and set
    `LD_LIBRARY_PATH` in `startup.sh`. For Oracle, the `oracledb` package in thin mode needs no
    client library.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/samples-oracle.html
    """

    id = "REQ015"
    name = "needs-os-library"
    severity = Severity.WARNING
    summary = "Requirement needs OS libraries MWAA does not have"
    valid = (Valid(files={"requirements.txt": "oracledb==2.5.1\n"}),
             # One py3 wheel for every Python carries libspatialindex (compat os_libraries.json).
             Valid("import rtree\n", files={"requirements.txt": "rtree==1.4.1\n"}),
             # Its manylinux wheels link libxmlsec1 in (compat os_libraries.json): nothing to install.
             Valid(files={"requirements.txt": "xmlsec==1.3.14\n"}),
             Valid(files={"requirements.txt": "xmlsec\n"}),
             # Only makedsn, which formats a connect string: the Instant Client loads on connect.
             Valid("import cx_Oracle\n\ndsn = cx_Oracle.makedsn('db.example.com', 1521, service_name='orcl')\n",
                   files={"requirements.txt": "cx-Oracle==8.3.0\n"}),
             # Pins of a constraints file install nothing.
             Valid(files={"requirements.txt": "oracledb==2.5.1\n",
                          "dags/requirements-constraints.txt": "pygraphviz==1.11\npyspark==3.5.1\n"}),
             # A runtime need of a package no DAG or plugin imports (a frozen environment's line).
             Valid(files={"requirements.txt": "apache-airflow-providers-apache-spark==4.1.0\npyspark==3.5.1\n"}))
    invalid = (Invalid("import cx_Oracle\n", files={"requirements.txt": "cx-Oracle==8.3.0\n"}, line=1,
                       contains="Instant Client"),
               Invalid("from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator\n",
                       files={"requirements.txt": "apache-airflow-providers-apache-spark==4.1.0\n"}, line=1,
                       contains="spark-submit"),
               Invalid("import cx_Oracle\n\nconnection = cx_Oracle.connect(user='etl', dsn=cx_Oracle.makedsn('db', 1521))\n",
                       files={"requirements.txt": "cx-Oracle==8.3.0\n"}, line=1, contains="to connect"),
               # Needed to build the package: reported whether or not code imports it.
               Invalid(files={"requirements.txt": "mysqlclient==2.2.4\n"}, line=1, contains="no Linux wheels"),
               # A release without a manylinux wheel builds from source against libxmlsec1.
               Invalid(files={"requirements.txt": "xmlsec==1.3.13\n"}, line=1, contains="libxmlsec1"))

    def check_entry(self, project, ctx, entry):
        imports = imported_names(project.modules)
        providers = set(needed_providers(project.modules, ctx.target))
        choice = project.constraints_for(entry, ctx.target)
        for requirement in project.requirements.requirements_of(entry):
            need = compat.os_library_need(requirement.name or "")
            if need is None or not uses_os_library(need, imports, providers) or \
                    _bundled_in_wheel(requirement, need, choice, ctx.target):
                continue
            yield self.at_requirement(
                requirement,
                f"{requirement.written_name} needs {need.what}, which MWAA does not have: install it from "
                f"startup.sh or ship prebuilt binaries in plugins.zip ({need.source})")


def _bundled_in_wheel(requirement: RequirementLine, need: compat.OsLibraryNeed, choice: ConstraintsChoice,
                      target) -> bool:
    """Whether pip installs ``requirement`` from a wheel that carries the library: the release its
    pin names, else the constraints', else the newest release (when its range allows it)."""
    pinned = requirement.pinned_version or (choice.constraints.get(requirement.name) if choice.constraints else None)
    if pinned:
        return need.bundled_in_wheel(pinned, target)
    newest = need.newest_bundled
    return newest is not None and requirement.specifier_set.contains(newest) and need.bundled_in_wheel(newest, target)


class RequirementOutsideFile(ProjectRule):
    """
    ## What it does
    Reports Python packages the on-prem setup installs outside requirement files: docker-compose
    `_PIP_ADDITIONAL_REQUIREMENTS`, `pip install` lines in Dockerfiles and entrypoint scripts.

    ## Why it matters on MWAA
    MWAA installs requirements.txt and nothing else: packages the image used to bake in are
    missing, and DAGs fail to import.

    ## Example
    ```yaml
    environment:
      _PIP_ADDITIONAL_REQUIREMENTS: apache-airflow-providers-snowflake pandas==2.2.3
    ```

    A package installed into a virtual environment of its own (`python -m venv x && x/bin/pip
    install ...`, or after `source x/bin/activate`: what `@task.external_python` runs) is
    reported as needing that venv, and a local path (`dist/*.whl`, a wheel the build made) as
    needing its contents listed by name: requirements.txt would put the first into Airflow's
    environment and cannot install the second. A path that installs the project itself (its
    build's `dist/*.whl`, or `.`) is named as the project of its pyproject.toml, with the
    dependencies there that neither requirements.txt nor MWAA's image has.

    ## Fix
    Add the packages to requirements.txt (`migrator fix` adds them). Build a separate venv from
    `startup.sh` (the bundle does so itself for tools such as dbt). For a local path, list the
    package's dependencies in requirements.txt and ship its modules with the DAGs or in
    plugins.zip.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    - https://airflow.apache.org/docs/docker-stack/entrypoint.html
    """

    id = "REQ016"
    name = "requirement-outside-requirements-file"
    severity = Severity.WARNING
    summary = "Package installed by compose, a Dockerfile or a script, not by requirements.txt"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "pandas==2.3.3\n",
                          "Dockerfile": "FROM apache/airflow:2.7.3\nRUN pip install --no-cache-dir pandas==2.3.3\n"}),
             # The image build's own install tooling, not a package the DAGs need.
             Valid(files={"requirements.txt": "pandas==2.3.3\n",
                          "Dockerfile": "FROM python:3.7\nRUN pip install pip==19.1.1 setuptools==41.0.1 wheel\n"}),
             # Another image of the repository (an ECS task's, a web app's): it runs elsewhere.
             Valid(files={"requirements.txt": "pandas==2.3.3\n",
                          "tasks/transfer/Dockerfile": "FROM python:3.9-slim\nRUN pip install ipython\n"}))
    invalid = (
        Invalid(files={"docker-compose.yaml": (
            "services:\n  scheduler:\n    image: apache/airflow:2.7.3\n    environment:\n"
            "      _PIP_ADDITIONAL_REQUIREMENTS: ${_PIP_ADDITIONAL_REQUIREMENTS:-pandas==2.2.3 great-expectations}\n")},
            line=5, contains="pandas==2.2.3"),
        Invalid(files={"Dockerfile": "FROM apache/airflow:2.7.3\nRUN pip install --user \\\n    scikit-learn==1.3.0\n"},
                line=2, contains="scikit-learn"),
        # Airflow installed on a plain base image: the airflow user and AIRFLOW_HOME say whose image it is.
        Invalid(files={"Dockerfile": "FROM ubuntu:22.04\nENV AIRFLOW_HOME=/usr/local/airflow\n"
                                     "RUN pip3 install geopandas==1.0.1\n"}, line=3, contains="geopandas"),
        # A venv of its own for @task.external_python: startup.sh builds it, requirements.txt
        # would put the package into Airflow's environment (no fix adds it there).
        Invalid("from airflow.decorators import task\n\n\n"
                "@task.external_python(python='/usr/local/airflow/quality_venv/bin/python')\n"
                "def check():\n    import great_expectations\n",
                files={"requirements.txt": "pandas==2.3.3\n",
                       "Dockerfile": "FROM apache/airflow:2.7.3\nRUN python -m venv quality_venv && "
                                     "quality_venv/bin/pip install great-expectations==0.18.8\n"},
                line=2, contains="build that venv from startup.sh"),
        # The project's wheel built into dist/ while the image is built: a glob pip cannot read in
        # requirements.txt, so no fix adds it; its dependencies belong there by name.
        Invalid(files={"requirements.txt": "pandas==2.3.3\n",
                       "Dockerfile": "FROM apache/airflow:2.10.5\nRUN uv build\nRUN uv pip install dist/*.whl\n"},
                line=3, contains="local path"),
        # With the project's metadata, the wheel is named for what it is: the project, whose
        # dependencies MWAA lacks go to requirements.txt by name (pandas is there, requests on
        # the image).
        Invalid(files={"requirements.txt": "pandas==2.3.3\n",
                       "pyproject.toml": '[project]\nname = "acme-etl"\ndependencies = ["pandas>=2", "requests", '
                                         '"pyalex>=0.14", "xmltodict"]\n',
                       "Dockerfile": "FROM apache/airflow:2.10.5\nRUN uv build\nRUN uv pip install dist/*.whl\n"},
                line=3, contains="dist/*.whl is this project, acme-etl, which the Dockerfile installs from a "
                                 "local path that MWAA does not have and requirements.txt cannot name: add the "
                                 "dependencies of its pyproject.toml that MWAA lacks to requirements.txt "
                                 "(pyalex, xmltodict)"),
        # A Git dependency of the project is not named for PyPI, whose package of that name is
        # another project.
        Invalid(files={"requirements.txt": "pandas==2.3.3\n",
                       "pyproject.toml": '[project]\nname = "acme-etl"\ndependencies = ["xmltodict", '
                                         '"dimtool @ git+https://example.org/acme/dimtool@v1"]\n',
                       "Dockerfile": "FROM apache/airflow:2.10.5\nRUN uv build\nRUN uv pip install dist/*.whl\n"},
                line=3, contains="to requirements.txt (xmltodict); dimtool comes from Git or a URL: build a wheel "
                                 "of that commit into plugins.zip or a private index rather than naming it"),
    )

    def check(self, project, ctx):
        facts = project.requirements
        shipped = facts.names()
        skip = set(compat.essential_pin_names(ctx.target)) | set(compat.image_packages(ctx.target))
        target_file = facts.shipped_entry or "requirements.txt"
        for requirement in facts.hidden:
            name = requirement.name
            if name in shipped or name in skip:
                continue
            where = _installer(requirement)
            if requirement.kind == "path":
                # A path of the image build (a wheel it built into dist/, the project itself):
                # MWAA has no such path, and pip expands no glob in a requirements file.
                yield self.finding(requirement.path, _at(requirement.line, requirement.text),
                                   _path_message(requirement, where, facts, shipped | skip, target_file),
                                   anchor=f"{requirement.display()}\x1fhidden")
                continue
            yield self.finding(
                requirement.path, _at(requirement.line, requirement.text),
                f"{requirement.display()} is installed by {where}, not by {target_file}: MWAA installs only "
                "requirements.txt",
                anchor=f"{name or requirement.display()}\x1fhidden",
                fix=_requirement_fix("add", f"add {requirement.display()} to requirements.txt",
                                     name=name, requirement=requirement.text))
        for venv, requirements in facts.venv_installs.items():
            for requirement in requirements:
                yield self.finding(
                    requirement.path, _at(requirement.line, requirement.text),
                    f"{requirement.display()} is installed by {_installer(requirement)} into a virtual "
                    f"environment of its own, {venv}, which MWAA does not have: build that venv from startup.sh "
                    f"(for @task.external_python(python=...) or a script that runs its python), not from "
                    f"{target_file}, which installs into Airflow's environment",
                    anchor=f"{requirement.name or requirement.display()}\x1fvenv")


def _path_message(requirement: RequirementLine, where: str, facts, installed: set[str], target_file: str) -> str:
    """A path install has no requirements.txt line: for the project itself (``dist/*.whl`` its
    build wrote, ``.``), name it and the dependencies of its pyproject.toml that MWAA lacks."""
    metadata = facts.files.get(PROJECT_METADATA_FILE)
    if metadata is None or metadata.project is None or not installs_the_project(requirement):
        return (f"{requirement.display()} is a local path {where} installs from, which MWAA does not have: "
                f"list what it installs in {target_file} by name (a package's dependencies from its "
                "pyproject.toml) and ship its modules with the DAGs or in plugins.zip")
    lacking = [r for r in metadata.requirements if r.name not in installed]
    # A Git or URL dependency is not added by name: PyPI's package of that name is another project.
    missing = list(dict.fromkeys(r.written_name for r in lacking if r.kind == "pypi"))
    built = list(dict.fromkeys(r.written_name for r in lacking if r.kind != "pypi"))
    shown = ", ".join(missing[:3]) + (f" +{len(missing) - 3} more" if len(missing) > 3 else "")
    needs = (f"add the dependencies of its {PROJECT_METADATA_FILE} that MWAA lacks to {target_file} ({shown})"
             if missing else f"its dependencies are in {target_file} or on MWAA's image already")
    if built:
        needs += (f"; {', '.join(built)} come{'s' if len(built) == 1 else ''} from Git or a URL: build a wheel "
                  "of that commit into plugins.zip or a private index rather than naming it")
    return (f"{requirement.display()} is this project, {metadata.project}, which {where} installs from a local "
            f"path that MWAA does not have and requirements.txt cannot name: {needs}, and ship its modules "
            "with the DAGs or in plugins.zip")


def _installer(requirement: RequirementLine) -> str:
    return {"compose": "docker-compose _PIP_ADDITIONAL_REQUIREMENTS", "dockerfile": "the Dockerfile"}.get(
        requirement.origin, "a script")


class OsPackages(ProjectRule):
    """
    ## What it does
    Reports operating-system packages the on-prem setup installs (`packages.txt`, `apt-get
    install` / `yum install` in the Airflow image's Dockerfiles and entrypoint scripts).
    Compilers, headers (`libpq-dev`: MWAA's psycopg2-binary bundles libpq), pip and tools that
    only run while the image is built (`alien`, `apt-utils`, `locales`) are not reported, nor are packages MWAA's image
    has (`tzdata`, `curl`, `python3`, `netbase`), nor one installed for programs nothing MWAA runs starts (`git` for the
    image build's `RUN git clone`: reported when a task's command or a script a task runs
    calls `git`, the code imports GitPython, or the shipped requirements hold a `git+` URL;
    `netcat` for the image's entrypoint to wait for its database: MWAA does not run it),
    nor a package installed for a library the code MWAA runs does not load (`libaio1` serves
    the Oracle Instant Client: not reported when only a folder the bundle does not ship, such
    as `unused_dags/`, connects through cx_Oracle; knowledge base
    `compat/data/os_libraries.json`), nor are the Dockerfiles of other images (an ECS task's,
    a web app's), nor what only CI installs (a CI test image's `Dockerfile.test`,
    `Dockerfile.travis`, scripts in `.travis/`: `compat/data/ci_layout.json`). Another variant
    of the Airflow Dockerfile beside it (`Dockerfile.prod`) is a related location of the main
    Dockerfile's finding.

    ## Why it matters on MWAA
    MWAA has no image to customise: OS packages must be installed by a `startup.sh` that runs
    on every component before Airflow starts, with Amazon Linux (dnf/yum) package names.

    ## Example
    ```dockerfile
    RUN apt-get update && apt-get install -y --no-install-recommends libaio1 unixodbc
    ```

    ## Fix
    Write a startup.sh with `sudo yum -y install <packages>` (Amazon Linux names: `libaio`,
    `unixODBC`, ...), keep it under the startup time limit, and guard component-specific steps
    with `MWAA_AIRFLOW_COMPONENT`.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    """

    id = "REQ017"
    name = "os-packages"
    severity = Severity.WARNING
    summary = "OS packages installed on-prem need a startup.sh on MWAA"
    valid = (Valid(files={"startup.sh": "#!/bin/sh\nsudo yum -y install libaio\n"}),
             # Build tools and headers of the self-managed image (pycurl for a Celery SQS broker):
             # MWAA's image has pycurl, and nothing runs a compiler once wheels are installed.
             Valid(files={"Dockerfile": "FROM apache/airflow:slim-2.8.4-python3.11\nUSER root\n"
                                        "RUN apt-get install -y --no-install-recommends gcc libc6-dev "
                                        "libcurl4-openssl-dev libssl-dev python3-pip\n"}),
             # gcc and libpq-dev build psycopg2 from source; the project uses psycopg2-binary,
             # which MWAA's image has with libpq inside its wheels.
             Valid(files={"Dockerfile": "FROM apache/airflow:3.1.8-python3.12\nUSER root\n"
                                        "RUN apt-get update && apt-get install -y gcc libpq-dev\n",
                          "requirements.txt": "psycopg2-binary\n"}),
             # A CI test image's headers for the test run: no MWAA task needs them.
             Valid(files={"Dockerfile": "FROM apache/airflow:2.7.3\nUSER root\nRUN apt-get install -y git\n",
                          "Dockerfile.travis": "FROM apache/airflow:2.7.3\nUSER root\n"
                                               "RUN apt-get install -y unixodbc-dev\n"}),
             # The image of an app deployed beside Airflow, not Airflow's.
             Valid(files={"apps/report/Dockerfile": "FROM python:3.12-slim\nRUN apt-get install -y libaio1\n"}),
             # libaio for the Oracle Instant Client, which only a retired DAG outside the DAG
             # folder loads; alien only converts the client's RPM while the image is built.
             Valid("import pendulum\n", files={
                 "Dockerfile": "FROM apache/airflow:2.7.3\nUSER root\nRUN apt-get install -y alien libaio1\n",
                 "unused_dags/oracle_export.py": "import cx_Oracle\n\nconnection = cx_Oracle.connect('etl')\n"}),
             # git only for the image build's own clone, tzdata only behind its TZ and the
             # /etc/localtime link (MWAA's image has the zone database): no task needs either.
             Valid("from airflow.operators.bash import BashOperator\n\nBashOperator(task_id='t', bash_command='date')\n",
                   files={"Dockerfile": "FROM apache/airflow:2.10.4\nUSER root\n"
                                        "RUN apt-get install -y --no-install-recommends git tzdata\n"
                                        "ENV TZ=Europe/London\nRUN ln -sf /usr/share/zoneinfo/$TZ /etc/localtime\n"
                                        "USER airflow\nRUN git clone --depth 1 https://example.com/acme/etl-lib.git\n"}),
             # netcat only for the image's entrypoint to wait for the database (MWAA does not run
             # it), base-image plumbing and curl (on MWAA's image), GDAL, libspatialindex and FreeTDS
             # for bindings (osgeo, rtree, pymssql) nothing imports.
             Valid("from airflow.operators.bash import BashOperator\n\nBashOperator(task_id='t', bash_command='date')\n",
                   files={"Dockerfile": "FROM apache/airflow:2.10.5\nUSER root\nRUN apt-get install -y python3 netbase apt-utils "
                                        "locales curl netcat binutils gdal-bin libgdal-dev libgeos-dev libproj-dev "
                                        "libspatialindex-dev freetds-dev\n"
                                        "COPY scripts/entrypoint.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n",
                          "scripts/entrypoint.sh": "#!/bin/sh\nuntil nc -z postgres 5432; do sleep 1; done\n"
                                                   "exec airflow \"$@\"\n"}))
    invalid = (Invalid(files={"Dockerfile": "FROM apache/airflow:2.7.3\nUSER root\n"
                                            "RUN apt-get update && apt-get install -y --no-install-recommends freetds-bin unixodbc\n"},
                       line=3, contains="unixodbc"),
               Invalid(files={"packages.txt": "unixodbc\n"}, line=1, contains="startup.sh"),
               # The same libaio for a DAG that connects through the Instant Client: needed.
               Invalid(files={"Dockerfile": "FROM apache/airflow:2.7.3\nUSER root\nRUN apt-get install -y alien libaio1\n",
                              "dags/oracle_export.py": "import cx_Oracle\n\nconnection = cx_Oracle.connect('etl')\n"},
                       line=3, contains="(libaio1)"),
               # The same git for a task that runs it: needed on MWAA (a script the task runs counts too).
               Invalid("from airflow.operators.bash import BashOperator\n\n"
                       "BashOperator(task_id='sync', bash_command='bash sync_repo.sh ')\n",
                       files={"Dockerfile": "FROM apache/airflow:2.10.4\nUSER root\nRUN apt-get install -y git tzdata\n",
                              "dags/sync_repo.sh": "#!/bin/bash\ngit -C /tmp/etl-lib pull --ff-only\n"},
                       line=3, contains="OS packages (git)"),
               # libpq-dev only builds psycopg2 from source (MWAA's psycopg2-binary bundles libpq):
               # left out of the list, the 7-Zip a task runs is not.
               Invalid("import subprocess\n\ndef unpack(path):\n    subprocess.run(['7z', 'x', path], check=True)\n",
                       files={"Dockerfile": "FROM apache/airflow:2.10.5\nUSER root\n"
                                            "RUN apt-get install -y --no-install-recommends build-essential libpq-dev p7zip-full\n",
                              "requirements.txt": "psycopg2-binary\n"},
                       line=3, contains="OS packages (p7zip-full)"),
               # GDAL's tools for a task that runs ogr2ogr: needed (nc and curl of the same line are not).
               Invalid("from airflow.operators.bash import BashOperator\n\n"
                       "BashOperator(task_id='load', bash_command='ogr2ogr -f GPKG /tmp/out.gpkg /tmp/in.shp')\n",
                       files={"Dockerfile": "FROM apache/airflow:2.10.5\nUSER root\n"
                                            "RUN apt-get install -y curl netcat gdal-bin\n"},
                       line=3, contains="OS packages (gdal-bin)"),
               # A variant of the Airflow Dockerfile (same list): related, not a second finding.
               Invalid(files={"Dockerfile": "FROM apache/airflow:2.7.3\nRUN apt-get install -y unixodbc\n",
                              "Dockerfile.prod": "FROM apache/airflow:2.7.3\nRUN apt-get install -y unixodbc\n"},
                       line=2, contains="unixodbc"))

    def check(self, project, ctx):
        groups: dict[tuple[str, int], list[str]] = {}
        managers: dict[tuple[str, int], str] = {}
        startup = set(project.workspace.startup_scripts)
        for package in needed_os_packages(project, ctx.target):
            if package.path in startup:
                continue  # the project's own start-up script installs it already
            key = (package.path, package.line)
            groups.setdefault(key, []).append(package.name)
            managers[key] = package.manager
        findings: dict[str, list[Finding]] = {}
        for (path, line), names in sorted(groups.items()):
            shown = " ".join(dict.fromkeys(names))
            debian = managers[(path, line)] in ("apt", "list")
            note = "; Debian package names differ on Amazon Linux" if debian else ""
            findings.setdefault(path, []).append(self.finding(
                path, _at(line), f"OS packages ({shown}) are not installed on MWAA: install them from "
                                 f"startup.sh with `sudo yum -y install ...`{note}", anchor=f"{shown}\x1fos"))
        for path, found in findings.items():
            main = _main_dockerfile(path)
            if main in findings and main != path:
                continue  # reported as related locations of the main Dockerfile's finding
            variants = [f for other, more in findings.items() if other != path and _main_dockerfile(other) == path
                        for f in more]
            if variants:
                found[0] = found[0].absorbing(variants, "the same image's CI/test variant installs these too")
            yield from found


def _main_dockerfile(path: str) -> str:
    """``ci/Dockerfile.travis`` -> ``ci/Dockerfile``: the build a variant of the same folder repeats."""
    folder, _, name = path.rpartition("/")
    base = name.split(".", 1)[0] if name.startswith("Dockerfile.") else name
    return f"{folder}/{base}" if folder else base


class InvalidRequirement(ProjectRule):
    """
    ## What it does
    Reports lines pip cannot read in requirement files: invalid requirement syntax, unknown
    options, `-r` includes that are missing from the project, and include cycles.

    ## Why it matters on MWAA
    One bad line fails the whole `pip install -r requirements.txt`, and MWAA receives the file
    alone: an include that lives next to it on-prem is not in S3.

    ## Example
    ```text
    -r requirements/base.txt
    pandas=2.2.3
    ```

    ## Fix
    Correct the syntax (`pandas==2.2.3`); inline the included files into the one
    requirements.txt MWAA receives (`migrator package` does this).

    ## References
    - https://pip.pypa.io/en/stable/reference/requirements-file-format/
    """

    id = "REQ018"
    name = "invalid-requirement"
    severity = Severity.ERROR
    summary = "Requirement file line pip cannot read, or a broken include"
    valid = (Valid(files={"requirements.txt": "-r base.txt\npandas==2.3.3\n", "base.txt": "requests==2.34.2\n"}),
             # pip never reads a requirements file the bundle does not ship.
             Valid(files={"requirements.txt": "pandas==2.3.3\n", "docker/requirements_v1.txt": "pandas=1.5.3\n"}))
    invalid = (Invalid(files={"requirements.txt": "pandas=2.2.3\n"}, line=1, contains="not a valid requirement"),
               Invalid(files={"requirements.txt": "-r requirements-base.txt\n",
                              "requirements-base.txt": "-r requirements.txt\n"}, contains="include cycle"),
               Invalid(files={"requirements.txt": "-r missing.txt\n"}, contains="not found"))

    def check(self, project, ctx):
        shipped = set(project.requirements.shipped_files)
        for path, line, message in project.requirements.problems:
            if path in shipped:  # a line pip never reads on MWAA cannot fail its install
                yield self.finding(path, _at(line), mask_uri(message), anchor=message)


BACKPORT_PREFIX = "apache-airflow-backport-providers-"


class BackportProvider(_RequirementRule):
    """
    ## What it does
    Reports `apache-airflow-backport-providers-*` requirements: the packages that brought
    Airflow 2 providers to Airflow 1.10.

    ## Why it matters on MWAA
    They require Airflow 1.10 and conflict with every Airflow 2 and 3 install (the last
    release is 2021.3.3); pip fails and the update rolls back. The matching
    `apache-airflow-providers-*` package is what the target needs.

    ## Example
    ```text
    apache-airflow-backport-providers-amazon==2021.3.3
    ```

    ## Fix
    Replace each with `apache-airflow-providers-<name>` and let the constraints choose the
    version (`migrator fix` does this).

    ## References
    - https://airflow.apache.org/docs/apache-airflow-providers/index.html
    - https://pypi.org/project/apache-airflow-backport-providers-amazon/
    """

    id = "REQ019"
    name = "backport-provider"
    severity = Severity.ERROR
    summary = "Airflow 1.10 backport provider package"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "apache-airflow-providers-sftp\n"}),)
    invalid = (Invalid(files={"requirements.txt": "apache-airflow-backport-providers-sftp==2021.3.3\n"}, line=1,
                       contains="apache-airflow-providers-sftp"),)

    def check_entry(self, project, ctx, entry):
        for requirement in project.requirements.requirements_of(entry):
            if requirement.name and requirement.name.startswith(BACKPORT_PREFIX):
                replacement = PROVIDER_PREFIX + requirement.name[len(BACKPORT_PREFIX):]
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()} is an Airflow 1.10 backport and cannot install with Airflow "
                    f"{ctx.target.airflow}: use {replacement}",
                    fix=_requirement_fix("replace", f"use {replacement}", name=requirement.name, new=replacement))


class TransitiveRequirement(_RequirementRule):
    """
    ## What it does
    Reports lines that the project never asked for: in a pip-compile lock, the packages pinned
    only because other packages need them (`# via apache-airflow`, `# via pandas`; the lines
    `# via -r requirements.in` and `# via my-project (pyproject.toml)` stay), and in a file that froze an Airflow 1 or 2 environment
    (`apache-airflow==1.10.15` or `==2.10.4` with everything `pip freeze` saw), that Airflow's own
    dependencies that no DAG or plugin imports.

    ## Why it matters on MWAA
    The target's Airflow brings its own, newer versions of these. Pins from an old environment
    conflict with them or no longer build on the target's Python (`use_2to3`, the removed
    `imp` module, missing C headers), and the requirements install fails and rolls back.

    ## Example
    ```text
    apache-airflow==1.10.15
        # via -r requirements.in
    alembic==1.4.3
        # via apache-airflow
    ```

    ## Fix
    Keep only the project's direct requirements and let the constraints choose the rest
    (`migrator fix` removes these lines, keeping the file's comments and order).

    ## References
    - https://pip-tools.readthedocs.io/en/latest/
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "REQ020"
    name = "transitive-requirement"
    severity = Severity.WARNING
    summary = "Requirement the project never asked for (a lock's or a frozen Airflow's dependency)"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "pandas==2.3.3\n    # via -r requirements.in\n"}),
             # A lock compiled from the project's own metadata names the project as the source.
             Valid(files={"requirements.txt": "lxml-html-clean==0.4.3\n    # via acme-etl (pyproject.toml)\n"
                                              "feedparser==6.0.12\n    # via\n    #   acme-etl (setup.py)\n"}),
             Valid("import pandas\n", files={"requirements.txt": "apache-airflow==1.10.15\npandas==0.25.3\n"}),
             # The frozen environment of an older Airflow, kept beside the shipped file: never installed.
             Valid(files={"requirements.txt": "pandas==2.3.3\n",
                          "requirements_2.6.1.txt": "apache-airflow==2.6.1\napache-airflow-providers-ftp==3.4.1\n"}))
    invalid = (Invalid(files={"requirements.txt": "pandas==2.3.3\n    # via -r requirements.in\nnumpy==2.3.4\n"
                                                  "    # via\n    #   pandas\n"}, line=3, contains="only for pandas"),
               Invalid(files={"requirements.txt": "apache-airflow==1.10.15\ntabulate==0.8.7\n"}, line=2,
                       contains="Airflow 1 that"),
               Invalid(files={"requirements.txt": "apache-airflow==2.10.4\nconnexion==2.14.2\n"}, line=2,
                       contains="Airflow 2 that"))

    def check_entry(self, project, ctx, entry):
        facts = project.requirements
        requirements = facts.requirements_of(entry)
        skip = {AIRFLOW} | set(compat.essential_pin_names(ctx.target))
        frozen = frozen_airflow_major(requirements)
        imported = {canonicalize_name(name) for name in imported_modules(project.modules)}
        for requirement in requirements:
            name = requirement.name
            if not name or name in skip or name.startswith(BACKPORT_PREFIX):
                continue
            drop = _requirement_fix("drop", f"remove {requirement.written_name}: nothing the project runs "
                                            "asks for it", name=name)
            parsed = facts.files[requirement.path]
            if parsed.is_transitive(requirement) and name not in imported:
                sources = ", ".join(parsed.via[requirement.line])
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()}: the lock pins it only for {sources}; Airflow {ctx.target.airflow} "
                    "brings its own dependencies: drop the line", fix=drop)
            elif frozen and not parsed.is_lock and name in compat.airflow_dependencies(frozen) \
                    and name not in imported:
                yield self.at_requirement(
                    requirement,
                    f"{requirement.display()} is a dependency of Airflow {frozen} that no DAG or plugin imports; "
                    f"Airflow {ctx.target.airflow} brings its own: drop the line", fix=drop)
