"""PKG015: A tool is installed by startup.sh into a virtual environment of its own"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from migrator.bundle.model import REQUIREMENTS, STARTUP
from migrator.findings import Severity
from migrator.rules.base import Invalid, PackageRule, Valid
from migrator.rules.pkg._helpers import DAG
from migrator.secrets import mask

if TYPE_CHECKING:
    from migrator.bundle.facts import BundleFacts
    from migrator.bundle.model import BundleCheck


class ToolIsolated(PackageRule):
    """
    ## What it does
    Reports requirements of a tool whose dependencies conflict with Airflow's (dbt), which
    startup.sh installs into a virtual environment of its own instead of requirements.txt.

    ## Why it matters on MWAA
    With Airflow's constraints the tool does not install, and MWAA then installs none of the
    requirements. In its own venv its executable is on PATH for tasks, but DAG code cannot
    import it.

    ## Example
    `dbt-core==1.10.13` in requirements.txt.

    ## Fix
    Run the tool as a command from tasks (as Cosmos does on MWAA); do not import it from DAG
    code.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    """

    id = "PKG015"
    name = "tool-isolated"
    severity = Severity.WARNING
    summary = "A tool is installed by startup.sh into a virtual environment of its own"
    valid = (Valid(DAG, files={"requirements.txt": "requests==2.32.3\n"}),)
    invalid = (Invalid(DAG, files={"requirements.txt": "dbt-core==1.10.13\ndbt-postgres==1.9.1\n"}, contains="installed by startup.sh"),)

    def check(self, facts: BundleFacts) -> Iterator[BundleCheck]:
        for install in facts.isolated:
            tool = install.tool
            yield self.report(
                f"{', '.join(mask(r) for r in install.requirements)}: installed by {STARTUP} into "
                f"${{AIRFLOW_HOME}}/{tool.venv}, not with Airflow ({tool.why}); `{tool.executable}` "
                "is on PATH for tasks, but DAG code cannot import these packages", REQUIREMENTS, in_bundle=True)
