"""CON002: Variable read by the code but defined nowhere in the project"""

from __future__ import annotations

from migrator.analysis.connections import VARIABLE_READ_WITH_DEFAULT, Reference
from migrator.findings import Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.con._helpers import _at, undefined_anchor


class UndefinedVariable(ProjectRule):
    """
    ## What it does
    Reports Airflow Variables the code reads (`Variable.get("x")`, `{{ var.value.x }}`,
    `{{ var.json.x }}`) that the project defines nowhere.

    ## Why it matters on MWAA
    Variables live in the old metadata database. On MWAA `Variable.get` raises `KeyError`
    (at parse time when called at the top of a DAG file, which breaks the whole DAG). A read
    with a default (`Variable.get("x", default_var=...)`) does not fail: it is reported as
    information, since an on-prem value that differs from the default is lost.

    ## Example
    ```python
    BUCKET = Variable.get("landing_bucket")
    ```

    ## Fix
    Export the variables (`airflow variables export variables.json`) and create the secrets
    with `migrator connections export --apply`, or create `airflow/variables/<key>` in
    Secrets Manager.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    - https://airflow.apache.org/docs/apache-airflow/stable/howto/variable.html
    """

    id = "CON002"
    name = "undefined-variable"
    severity = Severity.WARNING
    summary = "Variable read by the code but defined nowhere in the project"
    valid = (Valid("from airflow.models import Variable\nBUCKET = Variable.get('landing_bucket')\n",
                   files={"variables.json": '{"landing_bucket": "acme-landing"}\n'}),
             Valid("from airflow.models import Variable\nENV = Variable.get('ENVIRONMENT')\n",
                   files={"airflow-local/docker-compose.yml": "services:\n  airflow:\n    environment:\n"
                                                              "      AIRFLOW_VAR_ENVIRONMENT: dev\n"}),
             Valid("from airflow.models import Variable\nBUCKET = Variable.get('landing_bucket')\n",
                   files={"config/dag-variables.json": '{"landing_bucket": "acme-landing"}\n'}))
    invalid = (Invalid("from airflow.models import Variable\nBUCKET = Variable.get('landing_bucket')\n",
                       line=2, contains="landing_bucket"),
               # with a default nothing fails: only an on-prem value that differs from it is lost
               Invalid("from airflow.models import Variable\nTIMEOUT = Variable.get('timeout', default_var=30)\n",
                       line=2, contains="the default applies"),
               # a JSON file with the word in its name but not an export's shape defines nothing
               Invalid("from airflow.models import Variable\nBUCKET = Variable.get('landing_bucket')\n",
                       files={"vars.json": '["landing_bucket"]\n'}, contains="landing_bucket"),
               Invalid("from airflow.operators.bash import BashOperator\n"
                       "BashOperator(task_id='t', bash_command='echo {{ var.value.env_name }}')\n",
                       contains="env_name"))

    def check(self, project, ctx):
        facts = project.connections
        defined = facts.defined_variable()
        # per key and file, the read that fails first: one without a default, else the first
        reads: dict[tuple[str, str], Reference] = {}
        for reference in facts.references:
            if reference.kind != "variable" or defined(reference.key):
                continue
            first = reads.setdefault((reference.key, reference.path), reference)
            if first.via == VARIABLE_READ_WITH_DEFAULT and reference.via != VARIABLE_READ_WITH_DEFAULT:
                reads[(reference.key, reference.path)] = reference
        for (key, path), reference in reads.items():
            if reference.via == VARIABLE_READ_WITH_DEFAULT:
                yield self.finding(path, _at(reference.line),
                                   f"variable '{key}' is read with a default and defined nowhere in the project: "
                                   f"on MWAA the default applies; if the on-prem value differs, create the secret "
                                   f"airflow/variables/{key}",
                                   anchor=undefined_anchor("variable", key), severity=Severity.INFO)
            else:
                yield self.finding(path, _at(reference.line),
                                   f"variable '{key}' is read here but defined nowhere in the project: "
                                   f"create the secret airflow/variables/{key} before this runs on MWAA",
                                   anchor=undefined_anchor("variable", key))
