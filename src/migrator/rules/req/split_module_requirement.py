"""REQ023: a module the code imports that its distribution moved out into another one."""

from __future__ import annotations

from collections.abc import Iterator

from migrator.analysis.requirements import split_module_needs
from migrator.findings import AddRequirement, Finding, FixSafety, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid
from migrator.rules.req._helpers import constraint_line

CLEANER = "from lxml.html.clean import Cleaner\n\nCLEANER = Cleaner(javascript=True)\n"


class SplitModuleRequirement(ProjectRule):
    """
    ## What it does
    Reports an import of a module that its distribution moved out into a separate one before
    the version the target's image has, while the requirements install neither the new
    distribution nor the extra that pulls it in: `lxml.html.clean`, a separate project
    (`lxml_html_clean`) since lxml 5.2.

    ## Why it matters on MWAA
    The MWAA image pins the newer release (lxml 6.1.1 on 3.3.1), whose old module only raises
    `ImportError: lxml.html.clean module is now a separate project lxml_html_clean`: every DAG
    file importing it fails to load (error). On-prem, an older lxml still had the module.

    ## Example
    ```python
    from lxml.html.clean import Cleaner
    ```
    with `lxml` alone in requirements.txt.

    ## Fix
    Add the new distribution to requirements.txt (`lxml-html-clean`, or `lxml[html-clean]`);
    `migrator fix` and `migrator package` add it pinned to the newest release known to install
    beside the target's lxml (the constraints do not pin it; lxml-html-clean 0.4.5 and later need
    lxml 6.1.1, so 2.x targets get 0.4.4).

    ## References
    - https://lxml.de/5.2/changes-5.2.0.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    """

    id = "REQ023"
    name = "split-module-requirement"
    severity = Severity.ERROR
    summary = "Imported module now ships in a separate distribution the requirements lack"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(CLEANER, files={"requirements.txt": "lxml-html-clean\n"}),
        Valid(CLEANER, files={"requirements.txt": "lxml[html-clean]\n"}),
        # Guarded: the code runs without it.
        Valid("try:\n    from lxml.html.clean import Cleaner\nexcept ImportError:\n    Cleaner = None\n"),
        # The rest of lxml.html stayed in lxml.
        Valid("from lxml.html import document_fromstring\n", files={"requirements.txt": "lxml\n"}),
    )
    invalid = (
        Invalid(CLEANER, files={"requirements.txt": "lxml\n"}, line=1, contains="add lxml-html-clean==0.4.7"),
        # lxml 5.4.0 on 2.11.2: the newest release that accepts it.
        Invalid(CLEANER, files={"requirements.txt": "lxml\n"}, target="2.11.2", line=1,
                contains="add lxml-html-clean==0.4.4", fixed_path="requirements.txt",
                fixed=f"{constraint_line('2.11.2')}\nlxml-html-clean==0.4.4"),  # lxml: the image has it
        # No requirements.txt at all: the import is where it is said.
        Invalid(CLEANER, line=1, contains="lxml 6.1.1"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
        for need in split_module_needs(project.requirements, project.modules, ctx.target):
            shown = ", ".join(need.importers[:3]) + (f" +{len(need.importers) - 3} more"
                                                     if len(need.importers) > 3 else "")
            path = need.importers[0]
            line = project.import_line(path, need.module)
            yield self.finding(
                path, Location(line, 1, line, 2),
                f"{need.module} is imported by {shown}, but {need.parent} {need.parent_version} (MWAA "
                f"{ctx.target.airflow}) no longer has it: it ships in {need.distribution}, which the requirements "
                f"do not install, so those files fail with ImportError: add {need.requirement} to requirements.txt",
                anchor=f"{need.module}\x1fsplit",
                fix=AddRequirement(safety=FixSafety.SAFE,
                                   description=f"add {need.requirement} to requirements.txt",
                                   name=need.distribution))
