"""Before/after cases for ``guard-removed-import`` (a removed class only tested against)."""

from __future__ import annotations

from codemod_cases import check, refused

SUBDAG = {"name": "SubDagOperator"}


def test_the_import_is_guarded_with_a_stand_in_class_and_the_rest_stays():
    check(
        """
        import logging

        # SubDAG tasks report their own failures
        from airflow.operators.subdag import SubDagOperator
        from airflow.models import TaskInstance


        def failed(tasks):
            return [t for t in tasks if not isinstance(t, SubDagOperator)]
        """,
        """
        import logging

        # SubDAG tasks report their own failures
        try:
            from airflow.operators.subdag import SubDagOperator
        except ImportError:  # gone on this Airflow: nothing is an instance of it
            class SubDagOperator:
                pass
        from airflow.models import TaskInstance


        def failed(tasks):
            return [t for t in tasks if not isinstance(t, SubDagOperator)]
        """,
        ("guard-removed-import", "SubDagOperator\n", SUBDAG),
    )


def test_an_alias_is_the_name_the_stand_in_takes():
    check(
        """
        from airflow.operators.subdag import SubDagOperator as Sub
        ok = isinstance(x, Sub)
        """,
        """
        try:
            from airflow.operators.subdag import SubDagOperator as Sub
        except ImportError:  # gone on this Airflow: nothing is an instance of it
            class Sub:
                pass
        ok = isinstance(x, Sub)
        """,
        ("guard-removed-import", "SubDagOperator as Sub", {"name": "Sub"}),
    )


def test_a_shared_statement_or_an_import_in_a_function_is_refused():
    assert "shares its statement" in refused(
        "from airflow.operators.subdag import SubDagOperator, SubDagSensor\n",
        "guard-removed-import", "SubDagOperator", **SUBDAG)
    assert "not at module level" in refused(
        """
        def f():
            from airflow.operators.subdag import SubDagOperator
        """,
        "guard-removed-import", "SubDagOperator", **SUBDAG)
