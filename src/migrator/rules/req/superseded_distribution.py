"""REQ022: a requirement of a distribution that cannot install on MWAA, whose modules upstream
now publishes under another name (compat's superseded distributions)."""

from __future__ import annotations

from migrator.findings import FixSafety, ReplaceRequirement, Severity
from migrator.requirements_fix import INDEX_OPTIONS, superseded_requirements
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import _RequirementRule, constraint_line

DEA_INDEX = '--extra-index-url="https://packages.dea.ga.gov.au"\n'


class SupersededDistribution(_RequirementRule):
    """
    ## What it does
    Reports requirements of a distribution that cannot install on MWAA because upstream merged
    or renamed it and publishes its modules under another distribution: `odc-aws` (the `odc.aws`
    modules) is `odc-cloud` on PyPI since 2021, and the old name lived only on an index of its
    own that upstream no longer points at; `cx-Oracle` is on PyPI, but its last release has no
    wheel for the Python MWAA runs and its source no longer builds: `oracledb` (python-oracledb)
    is its renamed successor, imported as `oracledb`.

    ## Why it matters on MWAA
    MWAA installs from PyPI (and, in a private network, from nothing but what the bundle
    ships): pip finds no version of the old name that installs, the whole requirements install
    fails and the environment update rolls back. When the file names another index (a company mirror) that
    may still serve it, the finding is a warning.

    ## Example
    ```text
    --extra-index-url="https://packages.dea.ga.gov.au"
    odc-aws
    ```

    ## Fix
    Install the replacement (`odc-cloud`, with the extra that stands for the old package, such
    as `odc-cloud[async]` for `odc-aio`), pinned to the version you test; `migrator fix` and
    `migrator package` replace the line when only PyPI is asked, pinned to the release whose
    wheel was checked to ship the old modules (`oracledb` unpinned: every MWAA version's
    constraints pin it). Where the modules were renamed, PY003 rewrites the imports
    (`import oracledb as cx_Oracle`).

    ## References
    - https://github.com/opendatacube/odc-tools/pull/331
    - https://pypi.org/project/odc-cloud/
    - https://python-oracledb.readthedocs.io/en/stable/user_guide/appendix_c.html
    """

    id = "REQ022"
    name = "superseded-distribution"
    severity = Severity.ERROR
    summary = "Requirement of a distribution PyPI only has under another name"
    fix_safety = FixSafety.SAFE
    valid = (Valid(files={"requirements.txt": "odc-cloud==0.2.6\n"}),
             # The index upstream left is no source of the old name; PyPI's modules are imported the same.
             Valid(files={"requirements.txt": DEA_INDEX + "odc-cloud[async]\n"}))
    invalid = (Invalid(files={"requirements.txt": DEA_INDEX + "odc-aws\n"}, line=2, contains="odc-cloud"),
               Invalid(files={"requirements.txt": "odc-aio==0.0.3\n"}, line=1, contains="odc-cloud[async]",
                       fixed_path="requirements.txt",
                       fixed=f"{constraint_line()}\nodc-cloud[async]==0.2.6  # migrator: was odc-aio==0.0.3; PyPI "
                             "has no odc-aio: odc-cloud ships its modules (odc.aio, odc.ppt) since 2021-08-27"),
               Invalid(files={"requirements.txt": "cx-Oracle==8.2.1\n"}, line=1, contains="oracledb",
                       fixed_path="requirements.txt",
                       fixed=f"{constraint_line()}\noracledb  # migrator: was cx-Oracle==8.2.1; cx-Oracle's last "
                             "release (8.3.0, 2021) has Linux wheels up to Python 3.10 and its source no longer "
                             "builds (its setup.py imports pkg_resources, which current setuptools dropped); "
                             "python-oracledb is its renamed successor"),
               # A company mirror may still serve it: said, not replaced.
               Invalid(files={"requirements.txt": "--extra-index-url https://nexus.corp.example.com/simple\nodc-aws\n"},
                       line=2, contains="nexus.corp.example.com"))

    def check_entry(self, project, ctx, entry):
        facts = project.requirements
        for found in superseded_requirements(facts.requirements_of(entry), facts.options_of(entry, *INDEX_OPTIONS)):
            use = found.fact.requirement
            if found.replaceable:
                yield self.at_requirement(
                    found.requirement, f"{found.requirement.display()} cannot install on MWAA: {found.why}; "
                                       f"use {use} ({_pin_note(found.fact)})",
                    fix=ReplaceRequirement(safety=FixSafety.SAFE,
                                           description=f"use {use}", name=found.requirement.name,
                                           new=use))
            else:
                yield self.at_requirement(
                    found.requirement, f"{found.requirement.display()} installs only if "
                                       f"{', '.join(found.other_sources)} serves it: {found.why}; use {use} "
                                       "if it does not", severity=Severity.WARNING)


def _pin_note(fact) -> str:
    pin = ("the release checked to ship its modules; move the pin to the one you test" if fact.checked_version
           else "the target's constraints pin its version")
    renamed = ", ".join(f"{old} is {new}" for old, new in fact.renamed.items())
    return f"{pin}; its modules are renamed: {renamed} (PY003)" if renamed else pin
