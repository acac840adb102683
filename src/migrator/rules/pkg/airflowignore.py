"""PKG003: A line of the project's .airflowignore cannot be used"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class Airflowignore(PackageRule):
    """
    ## What it does
    Reports lines of the project's own `.airflowignore` files that Airflow cannot use (an
    invalid regular expression, ...), while the bundle's generated `.airflowignore` is made
    from them.

    ## Why it matters on MWAA
    Airflow skips such a line, so the files it was meant to hide from the DAG processor are
    parsed on MWAA.

    ## Example
    `dags/.airflowignore` holding `[unclosed`.

    ## Fix
    Correct the pattern for the syntax the project uses (`core.dag_ignore_file_syntax`:
    regexp or glob).

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html#airflowignore
    """

    id = "PKG003"
    name = "airflowignore"
    severity = Severity.WARNING
    summary = "A line of the project's .airflowignore cannot be used"
    valid = (Valid(DAG, files={"dags/.airflowignore": "scratch\n"}),)
    invalid = (Invalid(DAG, files={"dags/.airflowignore": "[unclosed\n"}, contains="invalid regular expression"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for path, message in facts.ignore_warnings:
            yield self.report(message, path)
