"""MWA006: Variable.get runs at every DAG parse"""

from __future__ import annotations

from collections.abc import Iterator

from migrator.analysis.dags import const_str
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid
from migrator.rules.mwa._helpers import _VARIABLE_READS, _parse_time_calls


class TopLevelVariableRule(PythonRule):
    """
    ## What it does
    Reports `Variable.get(...)` calls that run when the DAG file is parsed: at module level, in
    DAG or operator arguments, or in a function the module calls while it is imported (a DAG
    factory, a `@dag` function).

    ## Why it matters on MWAA
    MWAA parses every DAG file every 30 seconds (`min_file_process_interval`) on the scheduler.
    Each parse-time `Variable.get` is a metadata-database query or, with the Secrets Manager
    backend MWAA recommends, a billed Secrets Manager API call: thousands per hour per variable,
    slower parsing and, past the parse timeout, DAGs that disappear from the UI.

    ## Example
    ```python
    IMAGE = Variable.get("customer360_image")
    ```

    ## Fix
    Read the variable when the task runs: a Jinja template in a templated field
    (`"{{ var.value.customer360_image }}"`, `"{{ var.json.cfg }}"`) or `Variable.get` inside the
    task's callable.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/best-practices.html#airflow-variables
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-tuning.html
    """

    id = "MWA006"
    name = "top-level-variable"
    severity = Severity.WARNING
    summary = "Variable.get runs at every DAG parse"
    valid = (
        Valid("""
            from airflow.models import Variable
            from airflow.operators.bash import BashOperator

            def run(**context):
                return Variable.get("supplier_api_base")

            BashOperator(task_id="a", bash_command="echo {{ var.value.supplier_api_base }}")
        """),
        Valid("""
            from airflow.models import Variable

            if __name__ == "__main__":
                print(Variable.get("x"))
        """),
    )
    invalid = (
        Invalid("""
            from airflow.models import Variable

            SUPPLIER_API_BASE = Variable.get("supplier_api_base")
        """, line=3, contains="{{ var.value.supplier_api_base }}"),
        Invalid("""
            from airflow.models import Variable
            from airflow.operators.bash import BashOperator

            BashOperator(task_id="a", bash_command="echo " + Variable.get("x"))
        """, line=4),
        Invalid("""
            from airflow import DAG
            from airflow.models import Variable

            def build(dag_id):
                with DAG(dag_id, schedule=None) as dag:
                    owner = Variable.get("owner_" + dag_id)
                return dag

            dag = build("a")
        """, line=6),
        Invalid("""
            import airflow

            TEAM = airflow.models.Variable.get("team", default_var="x")
        """, line=3),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for call, qualname in _parse_time_calls(module):
            if not qualname or not qualname.startswith("airflow.") or not qualname.endswith(_VARIABLE_READS):
                continue
            key = const_str(call.args[0]) if call.args else const_str(
                next((k.value for k in call.keywords if k.arg == "key"), None))
            template = f"'{{{{ var.value.{key} }}}}'" if key and key.isidentifier() else "a {{ var.value.<key> }} template"
            yield self.at_node(
                module, call,
                f"Variable.get({key!r}) runs every time MWAA parses this file (every 30 s), each a "
                f"metadata-DB query or a billed Secrets Manager call: use {template} in a templated "
                f"field, or read it inside the task" if key else
                "Variable.get runs every time MWAA parses this file (every 30 s), each a metadata-DB "
                "query or a billed Secrets Manager call: read it in a template or inside the task")
