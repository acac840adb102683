"""PKG019: The DAG count does not fit the environment class"""

from __future__ import annotations

from types import MappingProxyType

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG, dag_file


class DagCapacity(PackageRule):
    """
    ## What it does
    Compares the project's DAG count with the capacity of the environment class
    (`--environment-class`, or the sizing's recommendation): an error over the capacity, a
    warning over half of it; without a class, an error when no class fits.

    ## Why it matters on MWAA
    The MWAA user guide advises staying under about half of a class's DAG capacity, or the
    scheduler overloads and DAGs run late or not at all.

    ## Example
    `migrator package --environment-class mw1.micro` for a project of 30 DAGs.

    ## Fix
    Choose a larger environment class, or fewer DAGs.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html
    """

    id = "PKG019"
    name = "dag-capacity"
    severity = Severity.ERROR
    summary = "The DAG count does not fit the environment class"
    example_options = MappingProxyType({"environment_class": "mw1.micro"})
    valid = (Valid(DAG),)
    invalid = (Invalid(DAG, files={f"dags/team_{n}.py": dag_file(f"team_{n}") for n in range(30)}, contains="mw1.micro"),)
