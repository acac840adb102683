"""API017: a DAG used as an operand of ``>>`` / ``<<`` (Airflow 1.10's way to assign it)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import DropDagFromChain
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

_SHIFTS = (ast.RShift, ast.LShift)


_Scope = ast.AST | None  # the function a name is bound in (None: the module)


def _dag_names(module: ModuleFacts) -> dict[tuple[_Scope, str], ast.With | None]:
    """{(scope, name): the ``with`` block the DAG opens, or None} for each name a ``DAG(...)``
    call is bound to by ``name = DAG(...)`` or ``with DAG(...) as name``."""
    found: dict[tuple[_Scope, str], ast.With | None] = {}
    for dag in module.dags:
        if dag.via_decorator:
            continue
        parent = module.parents.get(dag.node)
        scope = module.executing_function(dag.node)
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            found[(scope, parent.targets[0].id)] = None
        elif isinstance(parent, ast.withitem) and isinstance(parent.optional_vars, ast.Name):
            found[(scope, parent.optional_vars.id)] = module.parents.get(parent)
    return found


def _chain_value(node: ast.expr) -> ast.expr:
    """What a ``>>``/``<<`` chain evaluates to: its rightmost operand."""
    while isinstance(node, ast.BinOp) and isinstance(node.op, _SHIFTS):
        node = node.right
    return node


def _has_dag_otherwise(module: ModuleFacts, task: ast.expr, scope: _Scope, dag: str,
                       block: ast.With | None) -> bool:
    """Whether the task the chain assigned ``dag`` to gets it anyway: built with ``dag=<dag>``
    or inside ``dag``'s ``with`` block."""
    calls: list[ast.Call] = []
    if isinstance(task, ast.Call):
        calls.append(task)
    elif isinstance(task, ast.Name):
        for assign in module.nodes_of(ast.Assign):
            if (isinstance(assign.value, ast.Call) and module.executing_function(assign) is scope
                    and any(isinstance(t, ast.Name) and t.id == task.id for t in assign.targets)):
                calls.append(assign.value)
    if not calls:
        return False
    return all(any(k.arg == "dag" and isinstance(k.value, ast.Name) and k.value.id == dag for k in call.keywords)
               or (block is not None and block in module.ancestors(call)) for call in calls)


class DagInDependencyChainRule(PythonRule):
    """
    ## What it does
    Reports a DAG written as an operand of `>>` or `<<` (`dag >> extract >> load`), the way
    Airflow 1.10 assigned a DAG to a task.

    ## Why it matters on MWAA
    Airflow 2 and later no longer read `dag >> task` as an assignment: every MWAA version fails
    to load the file with `AttributeError: 'DAG' object has no attribute 'update_relative'`
    (error).

    ## Example
    ```python
    dag = DAG("facilities", schedule="@monthly", start_date=START)
    notify = SlackAPIPostOperator(task_id="notify", dag=dag, channel="#etl", text="start")
    dag >> notify >> run
    ```

    ## Fix
    Take the DAG out of the chain (`notify >> run`). The automatic fix is safe when the task
    already gets the DAG (`dag=` or a `with DAG(...)` block), which is the usual case; otherwise
    it is unsafe (`migrate` still applies it, since the file cannot load without it): give the
    task `dag=dag` by hand.

    ## References
    - https://github.com/apache/airflow/pull/11839 (the 2.0 upgrade check
      `ChainBetwenDAGAndOperatorNotAllowedRule`)
    """

    id = "API017"
    name = "dag-in-dependency-chain"
    severity = Severity.ERROR
    summary = "DAG used in a >> / << chain (Airflow 1.10's DAG assignment)"
    fix_safety = FixSafety.SAFE
    valid = (
        Valid("""
            from datetime import datetime
            from airflow import DAG
            from airflow.operators.empty import EmptyOperator

            with DAG("etl", start_date=datetime(2024, 1, 1), schedule=None) as dag:
                EmptyOperator(task_id="extract") >> EmptyOperator(task_id="load")
        """),
        Valid("""
            from datetime import datetime
            from airflow import DAG

            dag = DAG("etl", start_date=datetime(2024, 1, 1), schedule=None)
            flags = 8
            flags = flags >> 1
        """),
    )
    invalid = (
        Invalid("""
            from datetime import datetime
            from airflow import DAG
            from airflow.operators.empty import EmptyOperator

            dag = DAG("etl", start_date=datetime(2024, 1, 1), schedule=None)
            extract = EmptyOperator(task_id="extract", dag=dag)
            load = EmptyOperator(task_id="load", dag=dag)
            dag >> extract >> load
        """, line=8, contains="update_relative", fixed="""
            from datetime import datetime
            from airflow import DAG
            from airflow.operators.empty import EmptyOperator

            dag = DAG("etl", start_date=datetime(2024, 1, 1), schedule=None)
            extract = EmptyOperator(task_id="extract", dag=dag)
            load = EmptyOperator(task_id="load", dag=dag)
            extract >> load
        """),
        Invalid("""
            from datetime import datetime
            from airflow import DAG
            from airflow.operators.empty import EmptyOperator

            extract = EmptyOperator(task_id="extract")
            with DAG("etl", start_date=datetime(2024, 1, 1), schedule=None) as dag:
                pass
            extract << dag
        """, line=8, contains="give extract dag=dag"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        dags = _dag_names(module)
        if not dags:
            return
        for operation in module.nodes_of(ast.BinOp):
            if not isinstance(operation.op, _SHIFTS):
                continue
            scope = module.executing_function(operation)
            for side, other in ((operation.left, operation.right), (operation.right, operation.left)):
                if not (isinstance(side, ast.Name) and (scope, side.id) in dags):
                    continue
                if isinstance(other, (ast.List, ast.Tuple, ast.Name)) and (scope, getattr(other, "id", "")) in dags:
                    break  # DAG with DAG: no task involved
                task = other if side is operation.left else _chain_value(other)
                name = side.id
                if _has_dag_otherwise(module, task, scope, name, dags[(scope, name)]):
                    fix = DropDagFromChain(safety=FixSafety.SAFE, description=f"take {name} out of the chain",
                                           dag=name, required=True)
                    advice = "take it out of the chain (the task gets the DAG from dag= or its with block)"
                else:
                    what = task.id if isinstance(task, ast.Name) else "the task"
                    fix = DropDagFromChain(safety=FixSafety.UNSAFE,
                                           description=f"take {name} out of the chain; give {what} dag={name}",
                                           dag=name, required=True)
                    advice = f"take it out of the chain and give {what} dag={name}"
                message = (f"{name} is a DAG in a >>/<< chain: Airflow {ctx.target.airflow} no longer assigns "
                           "a DAG that way (Airflow 1.10 did) and fails to load the file with AttributeError: "
                           f"'DAG' object has no attribute 'update_relative'; {advice}")
                yield self.at_node(module, operation, message, fix=fix)
                break
