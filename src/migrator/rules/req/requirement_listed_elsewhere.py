"""REQ021: a module the code imports that only another requirements file installs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from migrator import compat
from migrator.analysis.requirements import ListedElsewhere
from migrator.findings import AddRequirement, Finding, FixSafety, Location, Related, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid
from migrator.rules.req._helpers import constraint_line

DAG = "from airflow import DAG\nimport sentry_sdk\n"


DIMCLI_DAG = "from airflow import DAG\nimport dimcli\n"


# The requirement kinds of the other files that count: a PyPI line is added as it is; a Git or
# URL line names a build that PyPI's package of the same name may not be.
_KINDS = ("pypi", "vcs", "url")


_SOURCE = {"vcs": "a Git repository", "url": "a URL"}


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

    A module that the other file installs from a Git repository or a URL (`dimcli @
    git+https://github.com/acme/dimcli@fix-202`) is reported too, without a fix: MWAA's
    requirements.txt does not get that line, and a private network cannot reach the host.

    ## Fix
    Add the package to requirements.txt (`migrator fix` and `migrator package` add the line
    from the other file; the constraints choose the version when it pins another). A module
    whose distribution the knowledge base does not know by another name is matched by its own
    name only: the verify step reports the others. For a Git or URL requirement, build a wheel
    of that commit or file (`pip wheel --no-deps "dimcli @ git+https://..."`), ship it in
    plugins.zip and install it with `--find-links /usr/local/airflow/plugins`, or publish it to a
    private index; adding the same name from PyPI installs whatever PyPI has under that name (the
    release the fork patched, or another project).

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
        # bs4 is the module of beautifulsoup4, which the image has; the pyproject's bs4 is a
        # placeholder distribution that only installs beautifulsoup4.
        Valid("from airflow import DAG\nfrom bs4 import BeautifulSoup\n",
              files={"pyproject.toml": '[project]\nname = "acme-etl"\ndependencies = [\n    "bs4>=0.0.2",\n]\n'}),
        # A Git line of the file MWAA gets is REQ012's (a host the workers must reach), not a
        # requirement missing from it.
        Valid(DIMCLI_DAG, files={"requirements.txt": "git+https://github.com/acme/dimcli@fix-202#egg=dimcli\n",
                                 "requirements-dev.txt": "git+https://github.com/acme/dimcli@fix-202#egg=dimcli\n"}),
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
        # A module whose distribution has another name: matched through the knowledge base.
        Invalid("from airflow import DAG\nimport magic\n",
                files={"requirements.txt": "pandas==2.2.3\n", "requirements-ci.txt": "python-magic==0.4.27\n"},
                line=1, contains="add python-magic to requirements.txt"),
        # The fix adds the line as the other file pins it.
        Invalid("from airflow import DAG\nimport magic\n",
                files={"requirements.txt": "geopandas==1.0.1\n", "requirements-ci.txt": "python-magic==0.4.27\n"},
                line=1, contains="add python-magic to requirements.txt", fixed_path="requirements.txt",
                fixed=f"{constraint_line()}\ngeopandas==1.0.1\npython-magic==0.4.27"),
        # Only a Git requirement of pyproject.toml installs it: no add-by-name fix.
        Invalid(DIMCLI_DAG, files={"pyproject.toml": ('[project]\nname = "acme-etl"\ndependencies = [\n'
                                                      '    "dimcli @ git+https://github.com/acme/dimcli@fix-202",\n]\n')},
                line=2, contains="build a wheel of it"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
        facts = project.requirements
        entry = facts.shipped_entry
        for found in project.listed_elsewhere(ctx.target, kinds=_KINDS):
            requirement = found.requirement
            shown = ", ".join(found.importers[:3]) + (f" +{len(found.importers) - 3} more"
                                                       if len(found.importers) > 3 else "")
            source = f" from {_SOURCE[requirement.kind]}" if requirement.kind in _SOURCE else ""
            message = (f"{found.module} is imported by {shown}, but only {requirement.path} installs it{source} "
                       f"({requirement.display()}); MWAA installs {entry or 'one requirements.txt'} and its image "
                       f"for Airflow {ctx.target.airflow} lacks it, so those files fail with ModuleNotFoundError: ")
            fix = None
            if source:
                message += (f"build a wheel of it (pip wheel --no-deps \"{requirement.display()}\"), ship it in "
                            f"plugins.zip and install it with --find-links {compat.worker_paths().plugins}, or publish "
                            f"it to a private index; do not add {requirement.name} from PyPI by name, which is not "
                            "this build (another release, or another project)")
            else:
                message += f"add {requirement.name} to requirements.txt"
                fix = AddRequirement(safety=FixSafety.SAFE,
                                     description=f"add {requirement.name} to requirements.txt",
                                     name=requirement.name)
            path = entry or found.importers[0]
            line = 1 if entry else project.import_line(path, found.module)
            finding = self.finding(path, Location(line, 1, line, 2), message,
                                   anchor=f"{requirement.name}\x1felsewhere", fix=fix)
            yield replace(finding, related=_importer_places(project, found, path))


def _importer_places(project: ProjectFacts, found: ListedElsewhere, path: str) -> tuple[Related, ...]:
    """The imports of the module in the other importers: each fails the same way, for this cause."""
    places = []
    for importer in found.importers:
        if importer != path:
            line = project.import_line(importer, found.module)
            places.append(Related(importer, Location(line, 1, line, 2), f"imports {found.module}"))
    return tuple(places)
