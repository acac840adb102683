"""REQ001: Requirement conflicts with a package MWAA pins and never lets users override"""

from __future__ import annotations

from migrator import compat
from migrator.analysis.requirements import ConstraintsChoice, specifier_excludes
from migrator.findings import DropRequirement, FixSafety, Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import AIRFLOW, CONSTRAINTS_331, _RequirementRule


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
                line=2, contains="Flask==3.1.3", fixed_path="requirements.txt", fixed="-c constraints.txt"),
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
            drop = DropRequirement(safety=FixSafety.SAFE,
                                   description=f"remove {requirement.written_name}: MWAA installs its "
                                   "own version", name=name)
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
