"""PKG019: The DAG count does not fit the environment class"""

from __future__ import annotations

from collections.abc import Iterator
from types import MappingProxyType
from typing import TYPE_CHECKING

from migrator.dag_count import dags_text
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG, dag_file

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


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

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        capacity = facts.capacity
        if capacity is None:
            return
        dags = capacity.count.dags
        counted = dags_text(dags, capacity.count.at_least)
        cls = capacity.environment_class
        if cls is None:
            if capacity.fitting_class is None:
                yield self.report(f"{counted} exceed the capacity of every MWAA class "
                                  f"(largest: {capacity.largest_capacity})")
        elif dags > cls.dag_capacity:
            yield self.report(f"{counted} exceed {cls.name}'s capacity of {cls.dag_capacity}; "
                              "choose a larger class or fewer DAGs")
        elif dags > cls.dag_capacity * capacity.share:
            yield self.report(f"{counted} are over half of {cls.name}'s capacity of "
                              f"{cls.dag_capacity}; MWAA advises staying under half, or the "
                              "scheduler overloads", severity=Severity.WARNING)
