"""REQ015: Requirement needs OS libraries MWAA does not have"""

from __future__ import annotations

from migrator import compat
from migrator.analysis.os_packages import imported_names, uses_os_library
from migrator.analysis.requirements import ConstraintsChoice, RequirementLine, needed_providers
from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import _RequirementRule


class NeedsOsLibrary(_RequirementRule):
    """
    ## What it does
    Reports requirements that need operating-system libraries or programs pip cannot install
    (Oracle Instant Client, unixODBC drivers, a Java runtime, Kerberos, ...). A library needed
    only to run the package (a database client, a JVM, spark-submit) is reported only when the
    DAG or plugin code imports the package; a line nothing imports (left from a frozen
    environment) should go rather than bring a JVM along, nor is one the code's calls do not
    load (`cx_Oracle.makedsn` formats a string; connecting loads the Instant Client). A
    library needed to build or install the package is reported whatever uses it, unless the
    release pip installs has a wheel for the target's Python with the library linked in
    (`xmlsec` 1.3.14 and later but 1.3.15). What each distribution needs is data in the
    knowledge base (`compat/data/os_libraries.json`, the wheels checked on PyPI).

    ## Why it matters on MWAA
    MWAA images are Amazon Linux with Python and Airflow only. The package either fails to
    build during the install, or installs and then fails at import or connection time on the
    worker.

    ## Example
    ```text
    cx-Oracle==8.3.0
    pyodbc==5.1.0
    ```

    ## Fix
    Install the library from `startup.sh` (`sudo yum -y install ...`; MWAA runs it before the
    requirements install), or ship prebuilt binaries in plugins.zip and set
    `LD_LIBRARY_PATH` in `startup.sh`. For Oracle, the `oracledb` package in thin mode needs no
    client library.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/using-startup-script.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/samples-oracle.html
    """

    id = "REQ015"
    name = "needs-os-library"
    severity = Severity.WARNING
    summary = "Requirement needs OS libraries MWAA does not have"
    valid = (Valid(files={"requirements.txt": "oracledb==2.5.1\n"}),
             # One py3 wheel for every Python carries libspatialindex (compat os_libraries.json).
             Valid("import rtree\n", files={"requirements.txt": "rtree==1.4.1\n"}),
             # Its manylinux wheels link libxmlsec1 in (compat os_libraries.json): nothing to install.
             Valid(files={"requirements.txt": "xmlsec==1.3.14\n"}),
             Valid(files={"requirements.txt": "xmlsec\n"}),
             # Only makedsn, which formats a connect string: the Instant Client loads on connect.
             Valid("import cx_Oracle\n\ndsn = cx_Oracle.makedsn('db.example.com', 1521, service_name='orcl')\n",
                   files={"requirements.txt": "cx-Oracle==8.3.0\n"}),
             # Pins of a constraints file install nothing.
             Valid(files={"requirements.txt": "oracledb==2.5.1\n",
                          "dags/requirements-constraints.txt": "pygraphviz==1.11\npyspark==3.5.1\n"}),
             # A runtime need of a package no DAG or plugin imports (a frozen environment's line).
             Valid(files={"requirements.txt": "apache-airflow-providers-apache-spark==4.1.0\npyspark==3.5.1\n"}))
    invalid = (Invalid("import cx_Oracle\n", files={"requirements.txt": "cx-Oracle==8.3.0\n"}, line=1,
                       contains="Instant Client"),
               Invalid("from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator\n",
                       files={"requirements.txt": "apache-airflow-providers-apache-spark==4.1.0\n"}, line=1,
                       contains="spark-submit"),
               Invalid("import cx_Oracle\n\nconnection = cx_Oracle.connect(user='etl', dsn=cx_Oracle.makedsn('db', 1521))\n",
                       files={"requirements.txt": "cx-Oracle==8.3.0\n"}, line=1, contains="to connect"),
               # Needed to build the package: reported whether or not code imports it.
               Invalid(files={"requirements.txt": "mysqlclient==2.2.4\n"}, line=1, contains="no Linux wheels"),
               # A release without a manylinux wheel builds from source against libxmlsec1.
               Invalid(files={"requirements.txt": "xmlsec==1.3.13\n"}, line=1, contains="libxmlsec1"))

    def check_entry(self, project, ctx, entry):
        imports = imported_names(project.modules)
        providers = set(needed_providers(project.modules, ctx.target))
        choice = project.constraints_for(entry, ctx.target)
        for requirement in project.requirements.requirements_of(entry):
            need = compat.os_library_need(requirement.name or "")
            if need is None or not uses_os_library(need, imports, providers) or \
                    _bundled_in_wheel(requirement, need, choice, ctx.target):
                continue
            yield self.at_requirement(
                requirement,
                f"{requirement.written_name} needs {need.what}, which MWAA does not have: install it from "
                f"startup.sh or ship prebuilt binaries in plugins.zip ({need.source})")


def _bundled_in_wheel(requirement: RequirementLine, need: compat.OsLibraryNeed, choice: ConstraintsChoice,
                      target) -> bool:
    """Whether pip installs ``requirement`` from a wheel that carries the library: the release its
    pin names, else the constraints', else the newest release (when its range allows it)."""
    pinned = requirement.pinned_version or (choice.constraints.get(requirement.name) if choice.constraints else None)
    if pinned:
        return need.bundled_in_wheel(pinned, target)
    newest = need.newest_bundled
    return newest is not None and requirement.specifier_set.contains(newest) and need.bundled_in_wheel(newest, target)
