"""REQ016: Package installed by compose, a Dockerfile or a script, not by requirements.txt"""

from __future__ import annotations

from migrator import compat
from migrator.analysis.requirements import (
    PROJECT_METADATA_FILE,
    RequirementLine,
    installs_the_project,
)
from migrator.findings import AddRequirement, FixSafety, Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.req._helpers import _at, constraint_line


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
        # The fix adds it to the project's requirements.txt (without one, `package` writes it).
        Invalid(files={"requirements.txt": "python-magic==0.4.27\n",
                       "Dockerfile": "FROM apache/airflow:2.7.3\nRUN pip install geopandas==1.0.1\n"},
                line=2, contains="geopandas", fixed_path="requirements.txt",
                fixed=f"{constraint_line()}\npython-magic==0.4.27\ngeopandas==1.0.1"),
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
                fix=AddRequirement(safety=FixSafety.SAFE,
                                   description=f"add {requirement.display()} to requirements.txt",
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
