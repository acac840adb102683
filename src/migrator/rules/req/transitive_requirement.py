"""REQ020: Requirement the project never asked for (a lock's or a frozen Airflow's dependency)"""

from __future__ import annotations

from packaging.utils import canonicalize_name

from migrator import compat
from migrator.analysis.requirements import frozen_airflow_major
from migrator.findings import DropRequirement, FixSafety, Severity
from migrator.requirements_fix import imported_modules
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import AIRFLOW, BACKPORT_PREFIX, _RequirementRule, constraint_line


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
                       contains="Airflow 1 that", fixed_path="requirements.txt", fixed=constraint_line()),
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
            drop = DropRequirement(safety=FixSafety.SAFE,
                                   description=f"remove {requirement.written_name}: nothing the "
                                   "project runs asks for it", name=name)
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
