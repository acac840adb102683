"""Before/after cases for ``subdag-to-taskgroup``: a sub-DAG factory becomes a TaskGroup factory."""

from __future__ import annotations

from codemod_cases import check, refused

FIX = {"factory": "region_subdag", "group_id": "child_id", "variable": "sub",
       "task_group": "airflow.sdk.TaskGroup"}


def test_assigned_dag_factory_and_a_comprehension_of_operators():
    check(
        """
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        from airflow.operators.subdag import SubDagOperator


        def region_subdag(parent_dag_id, child_id, args):
            sub = DAG(
                dag_id="{}.{}".format(parent_dag_id, child_id),
                default_args=args,
                schedule_interval="@daily",  # same as the parent
            )
            start = EmptyOperator(task_id="start", dag=sub)
            start >> EmptyOperator(task_id="load", dag=sub)
            return sub


        with DAG("parent", schedule="@daily") as dag:
            regions = [
                SubDagOperator(
                    task_id=f"snapshot_{r}",
                    subdag=region_subdag("parent", f"snapshot_{r}", {"owner": "x"}),
                    pool="subdag_pool",  # SubDAGs hog a slot
                )
                for r in ("east", "west")
            ]
        """,
        """
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        from airflow.sdk import TaskGroup


        def region_subdag(parent_dag_id, child_id, args):
            sub = TaskGroup(group_id=child_id, default_args=args)
            start = EmptyOperator(task_id="start", task_group=sub)
            start >> EmptyOperator(task_id="load", task_group=sub)
            return sub


        with DAG("parent", schedule="@daily") as dag:
            regions = [
                region_subdag("parent", f"snapshot_{r}", {"owner": "x"})
                for r in ("east", "west")
            ]
        """,
        ("subdag-to-taskgroup", "SubDagOperator(\n", FIX),
    )


def test_with_block_factory_used_by_two_operators_is_rewritten_once():
    check(
        """
        from airflow.models import DAG
        from airflow.operators.subdag_operator import SubDagOperator
        from airflow.operators.bash import BashOperator


        def region_subdag(parent, child_id):
            with DAG(dag_id=f"{parent}.{child_id}") as sub:
                BashOperator(task_id="run", bash_command="echo")
            return sub


        with DAG("parent") as dag:
            east = SubDagOperator(task_id="east", subdag=region_subdag("parent", "east"))
            west = SubDagOperator(task_id="west", subdag=region_subdag("parent", "west"))
            east >> west
        """,
        """
        from airflow.models import DAG
        from airflow.operators.bash import BashOperator
        from airflow.utils.task_group import TaskGroup


        def region_subdag(parent, child_id):
            with TaskGroup(group_id=child_id) as sub:
                BashOperator(task_id="run", bash_command="echo")
            return sub


        with DAG("parent") as dag:
            east = region_subdag("parent", "east")
            west = region_subdag("parent", "west")
            east >> west
        """,
        ("subdag-to-taskgroup", "SubDagOperator(task_id=\"east\"",
         {**FIX, "task_group": "airflow.utils.task_group.TaskGroup"}),
        ("subdag-to-taskgroup", "SubDagOperator(task_id=\"west\"",
         {**FIX, "task_group": "airflow.utils.task_group.TaskGroup"}),
    )


def test_refused_when_the_factory_is_not_in_the_file():
    reason = refused("""
        from airflow import DAG
        from airflow.operators.subdag import SubDagOperator
        from common.subdags import region_subdag

        with DAG("parent") as dag:
            SubDagOperator(task_id="east", subdag=region_subdag("parent", "east", {}))
        """, "subdag-to-taskgroup", "SubDagOperator(task_id", **FIX)
    assert "no single top-level function region_subdag()" in reason


def test_factory_and_operators_in_two_modules_each_get_their_half():
    check(
        """
        from airflow import DAG
        from airflow.operators.subdag import SubDagOperator
        from common.subdags import region_subdag

        with DAG("parent") as dag:
            SubDagOperator(task_id="east", subdag=region_subdag("parent", "east", {}), pool="p")
        """,
        """
        from airflow import DAG
        from common.subdags import region_subdag

        with DAG("parent") as dag:
            region_subdag("parent", "east", {})
        """,
        ("subdag-to-taskgroup", "SubDagOperator(task_id", {**FIX, "part": "operator"}),
    )
    check(
        """
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator


        def region_subdag(parent_dag_id, child_id, args):
            sub = DAG("%s.%s" % (parent_dag_id, child_id), default_args=args)
            EmptyOperator(task_id="load", dag=sub)
            return sub
        """,
        """
        from airflow.operators.empty import EmptyOperator
        from airflow.sdk import TaskGroup


        def region_subdag(parent_dag_id, child_id, args):
            sub = TaskGroup(group_id=child_id, default_args=args)
            EmptyOperator(task_id="load", task_group=sub)
            return sub
        """,
        ("subdag-to-taskgroup", 'DAG("%s.%s" % (parent_dag_id, child_id), default_args=args)',
         {**FIX, "part": "factory"}),
    )
