"""CON011: an environment variable DAG code needs while parsed, which MWAA will not have."""

from __future__ import annotations

from collections.abc import Iterator

from migrator import compat
from migrator.findings import Finding, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid

# Connections, Variables and configuration read from the environment: the CON001-CON004 and
# CFG rules judge those.
_AIRFLOW_PREFIXES = ("AIRFLOW_CONN_", "AIRFLOW_VAR_", "AIRFLOW__")


ANCHOR_SUFFIX = "envread"  # outcome.py matches verify's environment lookups to these findings


_DAG = "import os\n\nfrom airflow import DAG\n\nSERVICES = {read}\n\nwith DAG('cf_export', schedule=None):\n    pass\n"


class UndefinedEnvironmentVariable(ProjectRule):
    """
    ## What it does
    Reports environment variables that DAG code reads while the file is parsed, without a
    default and outside a `try` that handles their absence (`os.environ["X"]`, or
    `os.getenv("X")`/`os.environ.get("X")` used where None breaks: `json.loads(...)`,
    `.split()`), when nothing MWAA will run sets them: no literal
    value in the project's compose files, `.env` files, Dockerfiles or start-up scripts (which
    `migrator package` exports from the bundle's `startup.sh`), and not one MWAA or the
    container runtime sets.

    ## Why it matters on MWAA
    On-prem the value came from the host, a compose `environment:` entry passed through from
    the shell, a Kubernetes secret or a platform (`VCAP_SERVICES` on Cloud Foundry). MWAA's
    containers have none of these: `os.environ["X"]` raises `KeyError` and the DAG disappears
    behind a broken-DAG banner; `os.getenv("X")` gives `None`, which usually fails a line later
    (`json.loads(None)`).

    ## Example
    ```python
    SERVICES = json.loads(os.getenv("VCAP_SERVICES"))
    ```

    ## Fix
    Export the variable in the bundle's `startup.sh` (a literal in the project's `.env` or
    compose file is carried there by `migrator package`; a secret belongs in Secrets Manager),
    or read an Airflow Variable inside the task instead of the environment at parse time.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    - https://airflow.apache.org/docs/apache-airflow/stable/best-practices.html#top-level-python-code
    """

    id = "CON011"
    name = "undefined-environment-variable"
    severity = Severity.WARNING
    summary = "Environment variable read while parsed that nothing on MWAA sets"
    valid = (
        # A literal in .env is exported by the bundle's startup.sh.
        Valid(_DAG.format(read='os.environ["EXPORT_BUCKET"]'), path="dags/export.py",
              files={".env": "EXPORT_BUCKET=acme-exports\n"}),
        # A default, a handled KeyError, a read inside the task: nothing breaks at parse time.
        Valid(_DAG.format(read='os.getenv("EXPORT_BUCKET", "acme-exports")'), path="dags/export.py"),
        Valid(_DAG.format(read='None\ntry:\n    SERVICES = os.environ["VCAP_SERVICES"]\nexcept KeyError:\n    pass'),
              path="dags/export.py"),
        Valid(_DAG.format(read='None\n\ndef export():\n    return os.environ["VCAP_SERVICES"]'),
              path="dags/export.py"),
        # None is a value the code expects: compared, or kept for later.
        Valid(_DAG.format(read='os.getenv("AIRFLOW_ENV") == "LOCAL"'), path="dags/export.py"),
        Valid(_DAG.format(read='os.getenv("VCAP_SERVICES")'), path="dags/export.py"),
        # MWAA sets AIRFLOW_HOME; the container runtime sets HOME.
        Valid(_DAG.format(read='os.environ["AIRFLOW_HOME"] + os.environ["HOME"]'), path="dags/export.py"),
    )
    invalid = (
        Invalid(_DAG.format(read='json.loads(os.getenv("VCAP_SERVICES"))'), path="dags/export.py", line=5,
                contains="VCAP_SERVICES"),
        Invalid(_DAG.format(read='os.environ["EXPORT_BUCKET"]'), path="dags/export.py", line=5,
                contains="raises KeyError"),
        # Passed through from the host's shell: no value the bundle could carry.
        Invalid(_DAG.format(read='os.environ["EXPORT_BUCKET"]'), path="dags/export.py", line=5,
                files={"docker-compose.yml": "services:\n  scheduler:\n    image: apache/airflow:2.9.2\n"
                                             "    environment:\n      - EXPORT_BUCKET\n"},
                contains="docker-compose.yml:5 passes it from the host"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
        policy = compat.config_policy(ctx.target)
        carried: set[str] = set()
        passed: dict[str, str] = {}
        for variable in project.env.variables:
            if variable.value is not None and not variable.is_reference:
                carried.add(variable.name)
            else:
                passed.setdefault(variable.name, f"{variable.path}:{variable.line}")
        for module in project.modules:
            for name, line, raises in module.env_reads:
                if name in carried or name.startswith(_AIRFLOW_PREFIXES) or policy.sets_env_var(name):
                    continue
                where = (f"{passed[name]} passes it from the host, which MWAA does not have" if name in passed
                         else "nothing in the project gives it a value and MWAA does not set it")
                effect = (f"os.environ[{name!r}] raises KeyError while the file is parsed and its DAGs "
                          "disappear" if raises else f"reading {name!r} gives None while the file is parsed")
                yield self.finding(module.path, Location(line, 1, line, 2),
                                   f"environment variable {name} is read while parsed, but {where}: on MWAA "
                                   f"{effect}; export it in startup.sh or read an Airflow Variable in the task",
                                   anchor=f"{name}\x1f{ANCHOR_SUFFIX}")
