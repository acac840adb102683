"""CFG009: airflow.cfg, compose file or export could not be read"""

from __future__ import annotations

from migrator.findings import Location, Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.secrets import mask


class UnreadableConfigSource(ProjectRule):
    """
    ## What it does
    Reports configuration sources the tool could not read: an airflow.cfg that is not an INI
    file, a docker-compose file or connection export that is not valid YAML/JSON.

    ## Why it matters on MWAA
    Whatever they configure (options, connections, requirements) is unknown: this report
    cannot check it, and the same file probably fails for Airflow or Compose too.

    ## Example
    ```ini
    executor = CeleryExecutor
    ```
    (an option before any `[section]`).

    ## Fix
    Correct the file's syntax, then scan again.

    ## References
    - https://docs.python.org/3/library/configparser.html
    - https://docs.docker.com/compose/compose-file/
    """

    id = "CFG009"
    name = "unreadable-config-source"
    severity = Severity.ERROR
    summary = "airflow.cfg, compose file or export could not be read"
    valid = (Valid(files={"airflow.cfg": "[core]\nparallelism = 32\n"}),)
    invalid = (Invalid(files={"airflow.cfg": "executor = CeleryExecutor\n"}, line=1, contains="[section]"),
               Invalid(files={"docker-compose.yaml": "services:\n  web: [unclosed\n"}, contains="invalid YAML"))

    def check(self, project, ctx):
        seen = set()
        for path, problem in [*project.config.problems, *project.env.problems, *project.connections.problems]:
            key = (path, problem.line, problem.message)
            if key in seen or problem.kind in ("too-large", "unreadable") and path.endswith(".py"):
                continue
            seen.add(key)
            yield self.finding(path, Location(problem.line, problem.column, problem.line, problem.column + 1),
                               mask(problem.message), anchor=problem.message)
