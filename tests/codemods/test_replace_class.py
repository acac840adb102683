"""Before/after cases for ``replace-class``: operator swaps with argument renames."""

from __future__ import annotations

from codemod_cases import check, refused

PG = "airflow.providers.postgres.operators.postgres.PostgresOperator"
MYSQL = "airflow.providers.mysql.operators.mysql.MySqlOperator"
SQL = "airflow.providers.common.sql.operators.sql.SQLExecuteQueryOperator"

# Two operators that both become SQLExecuteQueryOperator, before and after.
TWO_SQL_OPERATORS = """
from airflow.providers.mysql.operators.mysql import MySqlOperator
from airflow.providers.postgres.operators.postgres import PostgresOperator

a = MySqlOperator(task_id="a", mysql_conn_id="crm", sql="select 1")
b = PostgresOperator(task_id="b", postgres_conn_id="dwh", sql="select 2")
"""
ONE_SQL_OPERATOR_CLASS = """
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

a = SQLExecuteQueryOperator(task_id="a", conn_id="crm", sql="select 1")
b = SQLExecuteQueryOperator(task_id="b", conn_id="dwh", sql="select 2")
"""
HTTP_OLD = "airflow.providers.http.operators.http.SimpleHttpOperator"
HTTP_NEW = "airflow.providers.http.operators.http.HttpOperator"


def swap(old: str, new: str, **renames) -> dict:
    return {"old": old, "new": new, "rename_arguments": renames}


def test_postgres_operator_becomes_sql_execute_query_operator():
    check(
        """
        from airflow.providers.postgres.operators.postgres import PostgresOperator

        load = PostgresOperator(
            task_id="load",
            postgres_conn_id="warehouse",  # the DWH
            sql="sql/load.sql",
        )
        """,
        """
        from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

        load = SQLExecuteQueryOperator(
            task_id="load",
            conn_id="warehouse",  # the DWH
            sql="sql/load.sql",
        )
        """,
        ("replace-class", 'PostgresOperator(\n    task_id="load"', swap(PG, SQL, postgres_conn_id="conn_id")),
    )


def test_two_operators_share_one_new_import():
    check(
        TWO_SQL_OPERATORS, ONE_SQL_OPERATOR_CLASS,
        ("replace-class", "MySqlOperator(task_id", swap(MYSQL, SQL, mysql_conn_id="conn_id")),
        ("replace-class", "PostgresOperator(task_id", swap(PG, SQL, postgres_conn_id="conn_id")),
    )


def test_old_import_stays_while_other_code_uses_it():
    check(
        """
        from airflow.providers.http.operators.http import SimpleHttpOperator

        ping = SimpleHttpOperator(task_id="ping", http_conn_id="api", endpoint="health")

        class Notify(SimpleHttpOperator):
            pass
        """,
        """
        from airflow.providers.http.operators.http import HttpOperator, SimpleHttpOperator

        ping = HttpOperator(task_id="ping", http_conn_id="api", endpoint="health")

        class Notify(SimpleHttpOperator):
            pass
        """,
        ("replace-class", "SimpleHttpOperator(task_id", swap(HTTP_OLD, HTTP_NEW)),
    )


def test_bare_reference_without_renames():
    check(
        """
        from airflow.providers.http.operators.http import SimpleHttpOperator

        class Notify(SimpleHttpOperator):
            pass
        """,
        """
        from airflow.providers.http.operators.http import HttpOperator

        class Notify(HttpOperator):
            pass
        """,
        ("replace-class", "SimpleHttpOperator)", swap(HTTP_OLD, HTTP_NEW)),
    )


def test_bare_reference_that_needs_renames_is_refused():
    reason = refused(
        """
        from airflow.providers.postgres.operators.postgres import PostgresOperator

        class Load(PostgresOperator):
            pass
        """,
        "replace-class", "PostgresOperator)", **swap(PG, SQL, postgres_conn_id="conn_id"),
    )
    assert "not a call" in reason


def test_mapped_argument_can_be_dropped():
    check(
        """
        from airflow.operators.dummy_operator import DummyOperator
        t = DummyOperator(task_id="t", legacy_flag=True)
        """,
        """
        from airflow.providers.standard.operators.empty import EmptyOperator

        t = EmptyOperator(task_id="t")
        """,
        ("replace-class", "DummyOperator(task_id",
         swap("airflow.operators.dummy_operator.DummyOperator",
              "airflow.providers.standard.operators.empty.EmptyOperator", legacy_flag=None)),
    )


def test_rename_onto_an_existing_argument_is_refused():
    reason = refused(
        """
        from airflow.providers.postgres.operators.postgres import PostgresOperator
        t = PostgresOperator(task_id="t", postgres_conn_id="a", conn_id="b", sql="x")
        """,
        "replace-class", "PostgresOperator(task_id", **swap(PG, SQL, postgres_conn_id="conn_id"),
    )
    assert "both" in reason


def test_dataset_becomes_asset_inside_arguments():
    check(
        """
        from airflow.datasets import Dataset

        with DAG("d", schedule=[Dataset("s3://raw/orders")]):
            pass
        """,
        """
        from airflow.sdk import Asset

        with DAG("d", schedule=[Asset("s3://raw/orders")]):
            pass
        """,
        ("replace-class", 'Dataset("s3://raw/orders")', swap("airflow.datasets.Dataset", "airflow.sdk.Asset")),
    )


def test_renames_given_as_pairs():
    check(
        """
        from airflow.providers.mysql.operators.mysql import MySqlOperator
        a = MySqlOperator(task_id="a", mysql_conn_id="crm", sql="select 1")
        """,
        """
        from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

        a = SQLExecuteQueryOperator(task_id="a", conn_id="crm", sql="select 1")
        """,
        ("replace-class", "MySqlOperator(task_id",
         {"old": MYSQL, "new": SQL, "rename_arguments": (("mysql_conn_id", "conn_id"),)}),
    )


def test_two_old_classes_renamed_to_one_new_class_at_imports_and_calls():
    # The rules report both the imports (replace-import) and the constructions (replace-class).
    check(
        TWO_SQL_OPERATORS, ONE_SQL_OPERATOR_CLASS,
        ("replace-import", "MySqlOperator", {"old": MYSQL, "new": SQL}),
        ("replace-import", "PostgresOperator", {"old": PG, "new": SQL}),
        ("replace-class", "MySqlOperator(task_id", swap(MYSQL, SQL, mysql_conn_id="conn_id")),
        ("replace-class", "PostgresOperator(task_id", swap(PG, SQL, postgres_conn_id="conn_id")),
    )
