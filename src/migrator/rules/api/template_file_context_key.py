"""API013: Removed or deprecated context key in a .sql/.sh template file"""

from __future__ import annotations

from collections.abc import Iterator

from migrator.analysis.jinja import template_names
from migrator.findings import Finding, FixSafety, Location, Severity, line_anchor
from migrator.project import ProjectFacts
from migrator.rules.api._helpers import _change, _fix, _message
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid


class TemplateFileContextKeyRule(ProjectRule):
    """
    ## What it does
    Reports template-context keys the target removed or deprecates inside the template files
    of the DAG folders (`.sql`, `.hql`, `.sh`, `.j2`, ...) that operators render:
    `WHERE day = '{{ yesterday_ds }}'`, `TIMESTAMP '{{ execution_date }}'`.

    ## Why it matters on MWAA
    Operators render these files with the same context as inline templates. On Airflow 3 a
    removed key renders as an empty string (or fails the render), which for SQL usually means a
    query over the wrong day rather than an error (error). On Airflow 2.x the keys still work
    with a deprecation warning (warning).

    ## Example
    ```sql
    WHERE movement_ts < TIMESTAMP '{{ next_ds }} 04:00:00'
    ```

    ## Fix
    Use the replacement the message names: `{{ logical_date }}` for `{{ execution_date }}`,
    `{{ data_interval_end | ds }}` for `{{ next_ds }}`, `{{ macros.ds_add(ds, -1) }}` for
    `{{ yesterday_ds }}`.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/templates-ref.html
    """

    id = "API013"
    name = "template-file-context-key"
    severity = Severity.ERROR
    summary = "Removed or deprecated context key in a .sql/.sh template file"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid(files={"dags/sql/load.sql": "DELETE FROM t WHERE day = DATE '{{ ds }}';\n",
                     "dags/load.py": "from airflow import DAG\n"}),
        # Only files operators render are templates.
        Valid(files={"dags/sql/notes.md": "{{ execution_date }}\n", "dags/load.py": "from airflow import DAG\n"}),
    )
    invalid = (
        Invalid("""
            SELECT 1
             WHERE ts < TIMESTAMP '{{ next_ds }} 04:00:00';
        """, path="dags/sql/snapshot.sql", files={"dags/load.py": "from airflow import DAG\n"}, line=2,
                contains="next_ds", fixed="""
            SELECT 1
             WHERE ts < TIMESTAMP '{{ (data_interval_end | ds) }} 04:00:00';
        """),
        Invalid(files={"dags/scripts/archive.sh": "#!/bin/bash\nDAY='{{ execution_date }}'\n",
                       "dags/load.py": "from airflow import DAG\n"}, target="2.11.2", line=2,
                contains="deprecated"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterator[Finding]:
        target = ctx.target
        for template in project.templates:
            for name in template_names(template.text):
                change = _change(name.name, target)
                if change is None:
                    continue
                line, column = template.position(name.start)
                location = Location(line, column, line, column + len(name.name))
                message = _message(change, target, "")
                yield self.finding(template.path, location, message,
                                   anchor=f"{line_anchor(template.lines[line - 1], column)}\x1f{message}",
                                   severity=Severity.ERROR if change.breaks else Severity.WARNING,
                                   fix=_fix(change, True))
