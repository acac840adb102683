"""Before/after cases for ``drop-dag-from-chain`` (API017): Airflow 1.10's ``dag >> task``."""

from __future__ import annotations

from codemod_cases import check, refused

DAG = {"dag": "dag"}


def test_a_dag_starting_a_chain_leaves_it():
    check(
        """
        dag >> extract >> load
        """,
        """
        extract >> load
        """,
        ("drop-dag-from-chain", "dag >> extract", DAG),
    )


def test_a_dag_on_either_side_of_either_operator():
    check(
        """
        extract << dag
        load >> dag
        """,
        """
        extract
        load
        """,
        ("drop-dag-from-chain", "extract << dag", DAG),
        ("drop-dag-from-chain", "load >> dag", DAG),
    )


def test_a_dag_ending_a_chain_leaves_the_chain_before_it():
    check(
        """
        extract >> load >> dag  # done
        """,
        """
        extract >> load  # done
        """,
        ("drop-dag-from-chain", "extract >> load >> dag", DAG),
    )


def test_comments_between_the_dag_and_the_task_move_to_the_parenthesis():
    check(
        """
        (
            dag  # the DAG kicks it off

            # then the loads
            >> extract
            >> load
        )
        """,
        """
        (  # the DAG kicks it off

            # then the loads
            extract
            >> load
        )
        """,
        ("drop-dag-from-chain", "dag  # the DAG kicks it off\n\n    # then the loads\n    >> extract", DAG),
    )


def test_a_chain_without_comments_keeps_its_layout():
    check(
        """
        (
            dag
            >> extract
            >> load
        )
        """,
        """
        (
            extract
            >> load
        )
        """,
        ("drop-dag-from-chain", "dag\n    >> extract", DAG),
    )


def test_refused_where_a_comment_has_nowhere_to_go():
    assert "by hand" in refused(
        """
        (
            extract  # last step
            >> dag
        )
        """, "drop-dag-from-chain", "extract  # last step\n    >> dag", dag="dag")


def test_refused_on_another_name():
    assert refused("""
        other >> extract
        """, "drop-dag-from-chain", "other >> extract", dag="dag")
