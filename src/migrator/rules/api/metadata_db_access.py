"""API011: Direct metadata-database access, which Airflow 3 workers do not have"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from packaging.version import Version

from migrator.analysis import airflow_api
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules._common import short_name
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class MetadataDbAccessRule(PythonRule):
    """
    ## What it does
    Reports direct metadata-database access in DAG and task code: `settings.Session()`,
    `create_session()`, `@provide_session`, and ORM queries on Airflow models
    (`session.query(TaskInstance)`, `DagRun`, `DagModel`, `XCom`, `DagBag()`, ...), on targets
    whose workers cannot reach the database.

    ## Why it matters on MWAA
    Airflow 3 workers talk to the API server through the Task Execution API and have no database
    connection: the task fails when it opens a session. On MWAA the database is AWS-owned and not
    reachable from anything else either.

    ## Example
    ```python
    @provide_session
    def fail_stuck_tasks(session=None):
        return session.query(TaskInstance).filter(TaskInstance.state == "running").all()
    ```

    ## Fix
    Use the Airflow REST API (on MWAA, `InvokeRestApi` or a web login token) or the Task SDK
    (Variables, Connections, XCom through the context). Housekeeping such as `airflow db clean`
    runs through MWAA's CLI endpoint.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/access-mwaa-apache-airflow-rest-api.html
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    """

    id = "API011"
    name = "metadata-db-access"
    severity = Severity.ERROR
    summary = "Direct metadata-database access, which Airflow 3 workers do not have"
    valid = (
        Valid("""
            from airflow.models import DagRun
            from airflow.utils.session import provide_session

            @provide_session
            def stuck(session=None):
                return session.query(DagRun).all()
        """, target="2.11.2"),
        Valid("""
            from airflow.models import Variable

            def read(**context):
                return Variable.get("x"), context["ti"].xcom_pull(task_ids="a")
        """),
    )
    invalid = (
        Invalid("""
            from airflow.models import TaskInstance
            from airflow.utils.session import provide_session

            @provide_session
            def stuck(session=None):
                return session.query(TaskInstance).all()
        """, line=4, contains="REST API"),
        Invalid("""
            from airflow.models import DagRun
            from airflow.utils.session import create_session

            def purge():
                with create_session() as session:
                    session.query(DagRun).delete()
        """, line=5, contains="create_session"),
        Invalid("""
            from airflow.models import DagRun

            def count_runs(session):
                return session.query(DagRun).count()
        """, line=4, contains="queries DagRun"),
        Invalid("""
            from airflow import settings

            def depth():
                session = settings.Session()
                return session
        """, line=4),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        names = airflow_api.metadata_db_names()
        if not names:
            return
        breaks_from = next(iter(names.values())).breaks_from
        if ctx.target.version < Version(breaks_from):
            return
        advice = next(iter(names.values())).advice
        reported: set[int] = set()
        functions_with_session: set[ast.AST | None] = set()
        for node, qualname in module.name_uses:
            entry = names.get(qualname)
            if entry is None or entry.kind != "session":
                continue
            parent = module.parents.get(node)
            anchor = parent if isinstance(parent, ast.Call) and parent.func is node else node
            if id(anchor) in reported:
                continue
            reported.add(id(anchor))
            functions_with_session.add(self._function_of(module, anchor))
            yield self.at_node(module, anchor,
                               f"{short_name(qualname)} opens a metadata-database session, which Airflow "
                               f"{ctx.target.airflow} workers cannot do: {advice}")
        # Queries are reported where no session of the same function already was: the session is
        # the thing to remove, the queries go with it.
        for call, qualname in module.calls:
            model = self._queried_model(module, call, qualname, names)
            if model and id(call) not in reported and \
                    self._function_of(module, call) not in functions_with_session:
                reported.add(id(call))
                yield self.at_node(module, call,
                                   f"this {'constructs' if qualname else 'queries'} {model} in the metadata "
                                   f"database, which Airflow {ctx.target.airflow} workers cannot reach: {advice}")

    @staticmethod
    def _function_of(module: ModuleFacts, node: ast.AST) -> ast.AST | None:
        """The function a node belongs to; a decorator belongs to the function it decorates."""
        for ancestor in module.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return ancestor
        return None

    @staticmethod
    def _queried_model(module: ModuleFacts, call: ast.Call, qualname: str | None, names) -> str | None:
        if qualname and names.get(qualname) is not None and names[qualname].kind == "orm_model" \
                and short_name(qualname) == "DagBag":
            return "DagBag (it loads DAGs and reads the database)"
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "query":
            for argument in call.args:
                name = module.qualname(argument.value if isinstance(argument, ast.Attribute) else argument)
                entry = names.get(name or "")
                if entry is not None and entry.kind == "orm_model":
                    return short_name(name)
        return None
