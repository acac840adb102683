"""Before/after cases for ``remove-unused-import`` (API002: a removed name imported and never used)."""

from __future__ import annotations

from codemod_cases import check, refused


def test_the_unused_name_leaves_its_statement_and_a_lone_one_takes_the_statement_along():
    check(
        """
        import logging
        from airflow.utils.decorators import apply_defaults
        from airflow.utils.dates import days_ago, round_time

        START = days_ago(1)
        """,
        """
        import logging
        from airflow.utils.dates import days_ago

        START = days_ago(1)
        """,
        ("remove-unused-import", "apply_defaults", {"name": "apply_defaults"}),
        ("remove-unused-import", "round_time", {"name": "round_time"}),
    )


def test_a_name_the_module_uses_is_refused():
    reason = refused(
        """
        from airflow.utils.dates import days_ago

        START = days_ago(1)
        """,
        "remove-unused-import", "days_ago", name="days_ago")
    assert "uses days_ago" in reason
