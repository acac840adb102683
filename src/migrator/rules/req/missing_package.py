"""REQ024: Code imports a package nothing installs on MWAA"""

from __future__ import annotations

from dataclasses import replace

from packaging.utils import canonicalize_name

from migrator.analysis.missing_packages import missing_packages
from migrator.findings import AddRequirementAtLeast, FixSafety, Related, Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.req._helpers import _at, constraint_line


class MissingPackage(ProjectRule):
    """
    ## What it does
    Reports third-party modules the DAG folder's code imports (DAG files and the helper modules
    next to them) that the MWAA image of the target does not install and no line of the shipped
    requirements file names. Standard-library modules, the project's own packages (DAG folder,
    plugins, the repository root, `src/`), Airflow itself and imports guarded by
    `try`/`except ImportError` are left alone; plugin code is plugin-missing-package's (PLG006).

    ## Why it matters on MWAA
    On-prem workers often run an image with the team's packages baked in (pandas, a database
    driver, a company SDK), so nothing in the repository lists them. MWAA installs only its
    image and `requirements.txt`: the DAG file fails to parse with `ModuleNotFoundError` (or the
    task that imports the module fails when it runs) and the DAG disappears from the UI.

    ## Example
    ```python
    import pandas as pd          # on the on-prem image, not in requirements.txt
    from mongoengine import connect
    ```

    ## Fix
    Add the distribution to requirements.txt. `migrator fix` adds it when the target's
    constraints pin it (so the version is the one MWAA tests with); otherwise the message names
    the module and you pick the distribution and version. A requirement that already depends on
    the package brings it too: then the finding is a reminder to list what the code imports.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/working-dags-dependencies.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    """

    id = "REQ024"
    name = "missing-package"
    severity = Severity.ERROR
    summary = "Code imports a package nothing installs on MWAA"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("import pandas as pd\nimport yaml\nimport requests\n",
              files={"requirements.txt": "pandas==2.3.3\n"}),
        # the project's own package, the standard library, a guarded import
        Valid("""
            import json
            from company.sdk import client

            try:
                import ujson
            except ImportError:
                ujson = None
        """, files={"dags/company/__init__.py": "", "dags/company/sdk.py": "client = None\n"}),
        # plugin code is PLG006's; a dependency a listed package may bring is not judged
        Valid("import zeep\n", path="plugins/soap_plugin.py"),
        Valid("import pandas as pd\n", files={"requirements.txt": "apache-airflow-providers-snowflake\n"}),
        # a distribution named after the module (astronomer-cosmos), a namespace (google.*)
        Valid("from cosmos import DbtDag\nfrom google.protobuf import json_format\n",
              files={"requirements.txt": "astronomer-cosmos==1.10.0\n"}),
    )
    invalid = (
        # pinned by the target's constraints: the fix adds it at that version
        Invalid("import pandas as pd\n", line=1, contains="the target's constraints pin pandas"),
        # the fix adds it to the project's requirements.txt, the --constraint line choosing the
        # version (a file that lists a package would leave pandas unjudged: it may bring pandas)
        Invalid("import pandas as pd\n", files={"requirements.txt": "# the image had the rest\n"}, line=1,
                contains="the target's constraints pin pandas", fixed_path="requirements.txt",
                fixed=f"{constraint_line()}\n# the image had the rest\npandas"),
        # an import name unlike its distribution's: the message names both
        Invalid("from jose import jwt\n", line=1, contains="python-jose",
                files={"requirements.txt": "requests==2.32.3\n"}),
        # no table knows the distribution: the message names the module; one finding per module
        Invalid("import os\nfrom mongoengine import connect\n", line=2, contains="mongoengine",
                files={"dags/sync.py": "import mongoengine\n"}),
    )

    def check(self, project, ctx):
        for missing in missing_packages(project, ctx.target):
            top, pin, distribution = missing.module, missing.pin, missing.distribution
            path, *others = missing.importers
            named = f"{top} (distribution {distribution})" if distribution and distribution != canonicalize_name(top) else top
            message = (f"{named} is not installed on MWAA {ctx.target.airflow}: the image does not include it and no "
                       "line of the requirements file names it, so this import fails with ModuleNotFoundError; add "
                       f"{distribution or 'the distribution that provides it'} to requirements.txt")
            fix = None
            if pin:
                message += f" (the target's constraints pin {pin[0]}=={pin[1]})"
                fix = AddRequirementAtLeast(safety=FixSafety.SAFE,
                                            description=f"add {pin[0]} to requirements.txt", name=pin[0],
                                            min_version=None)
            finding = self.finding(path, _at(project.import_line(path, top)), message, anchor=f"{top}\x1fmissing",
                                   fix=fix)
            yield replace(finding, related=tuple(Related(other, _at(project.import_line(other, top)),
                                                         f"imports {top} too") for other in others))
