"""REQ021: a module the code imports that only another requirements file installs."""

from __future__ import annotations

from collections.abc import Iterator

from migrator.findings import Finding, Fix, FixSafety, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid

DAG = "from airflow import DAG\nimport sentry_sdk\n"


class RequirementListedElsewhere(ProjectRule):
    """
    ## What it does
    Reports a module the DAG or plugin code imports (outside `try/except ImportError`) that
    neither the requirements file MWAA gets nor the MWAA image provides, while another
    requirements file of the project (or the `[project].dependencies` of its pyproject.toml) lists
    it under the module's own name: `import sentry_sdk` with `sentry-sdk` only in
    `requirements-composer.txt`, `requirements-ci.txt` or pyproject.toml.

    ## Why it matters on MWAA
    MWAA installs one requirements.txt. On the old platform the package came from another file
    (the image build, a platform-specific list, the CI environment); on MWAA every DAG file that
    imports it fails with `ModuleNotFoundError` (error).

    ## Example
    ```text
    requirements.txt            pandas==2.2.3
    requirements-composer.txt   sentry-sdk==2.53.0
    ```
    with `import sentry_sdk` in a DAG helper.

    ## Fix
    Add the package to requirements.txt (`migrator fix` and `migrator package` add the line
    from the other file; the constraints choose the version when it pins another). A module
    whose distribution has another name is not matched: the verify step reports those.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    """

    id = "REQ021"
    name = "requirement-listed-elsewhere"
    severity = Severity.ERROR
    summary = "Code imports a package only another requirements file installs"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(DAG, files={"requirements.txt": "sentry-sdk==2.53.0\n",
                          "requirements-ci.txt": "sentry-sdk==2.53.0\npytest==8.2.0\n"}),
        Valid("from airflow import DAG\ntry:\n    import sentry_sdk\nexcept ImportError:\n    sentry_sdk = None\n",
              files={"requirements.txt": "pandas\n", "requirements-ci.txt": "sentry-sdk\n"}),
        # On the image already (Airflow depends on it): nothing to add.
        Valid("from airflow import DAG\nimport requests\n",
              files={"requirements.txt": "pandas\n", "requirements-ci.txt": "requests==2.32.5\n"}),
    )
    invalid = (
        Invalid(DAG, files={"requirements.txt": "pandas==2.2.3\n",
                            "requirements-composer.txt": "sentry-sdk==2.53.0\n"},
                line=1, contains="requirements-composer.txt"),
        # No requirements.txt at all: the import is where it is said.
        Invalid(DAG, files={"requirements-dev.txt": "sentry-sdk==2.53.0\npytest==8.2.0\n"},
                line=2, contains="requirements-dev.txt"),
        # The project's own metadata lists it: `pip install .` installed it, MWAA does not.
        Invalid(DAG, files={"pyproject.toml": '[project]\nname = "acme-etl"\ndependencies = [\n    "sentry-sdk>=2",\n]\n'},
                line=2, contains="only pyproject.toml installs it (sentry-sdk>=2)"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
        facts = project.requirements
        entry = facts.shipped_entry
        for found in project.listed_elsewhere(ctx.target):
            requirement = found.requirement
            shown = ", ".join(found.importers[:3]) + (f" +{len(found.importers) - 3} more"
                                                       if len(found.importers) > 3 else "")
            message = (f"{found.module} is imported by {shown}, but only {requirement.path} installs it "
                       f"({requirement.display()}); MWAA installs {entry or 'one requirements.txt'} and its image "
                       f"for Airflow {ctx.target.airflow} lacks it, so those files fail with ModuleNotFoundError: "
                       f"add {requirement.name} to requirements.txt")
            fix = Fix.make(FixSafety.SAFE, f"add {requirement.name} to requirements.txt", kind="requirements",
                           action="add", name=requirement.name)
            path = entry or found.importers[0]
            line = 1 if entry else project.import_line(path, found.module)
            yield self.finding(path, Location(line, 1, line, 2), message, anchor=f"{requirement.name}\x1felsewhere",
                               fix=fix)
