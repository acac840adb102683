"""Before/after cases for ``days-ago``: ``days_ago(n)`` becomes the same date with pendulum."""

from __future__ import annotations

from codemod_cases import check, refused

DAYS_AGO = {"old": "airflow.utils.dates.days_ago"}


def test_days_ago_becomes_an_explicit_utc_datetime_and_its_import_goes():
    check(
        """
        from airflow.utils.dates import days_ago

        default_args = {"owner": "data", "start_date": days_ago(2)}
        """,
        """
        import pendulum

        default_args = {"owner": "data", "start_date": pendulum.today("UTC").add(days=-2)}
        """,
        ("days-ago", "days_ago(2)", DAYS_AGO),
    )


def test_days_ago_arguments_map_to_the_same_shift():
    check(
        """
        import pendulum
        from airflow.utils import dates

        a = dates.days_ago(1, hour=6)
        b = dates.days_ago(n=3, minute=30, second=0)
        c = dates.days_ago(0)
        d = dates.days_ago(lookback + 1)
        e = (dates.days_ago(lookback))
        """,
        """
        import pendulum

        a = pendulum.today("UTC").add(days=-1, hours=6)
        b = pendulum.today("UTC").add(days=-3, minutes=30)
        c = pendulum.today("UTC")
        d = pendulum.today("UTC").add(days=-(lookback + 1))
        e = (pendulum.today("UTC").add(days=-lookback))
        """,
        ("days-ago", "dates.days_ago(1, hour=6)", DAYS_AGO),
        ("days-ago", "dates.days_ago(n=3, minute=30, second=0)", DAYS_AGO),
        ("days-ago", "dates.days_ago(0)", DAYS_AGO),
        ("days-ago", "dates.days_ago(lookback + 1)", DAYS_AGO),
        ("days-ago", "dates.days_ago(lookback)", DAYS_AGO),
    )


def test_new_code_follows_the_files_quote_style():
    check(
        """
        from airflow.utils.dates import days_ago
        args = {'owner': 'data', 'start_date': days_ago(1)}
        """,
        """
        import pendulum

        args = {'owner': 'data', 'start_date': pendulum.today('UTC').add(days=-1)}
        """,
        ("days-ago", "days_ago(1)", {"old": "airflow.utils.dates.days_ago"}),
    )


def test_days_ago_with_a_taken_pendulum_name_is_refused():
    reason = refused(
        """
        from airflow.utils.dates import days_ago
        pendulum = "a local variable"
        start = days_ago(1)
        """,
        "days-ago", "days_ago(1)", **DAYS_AGO,
    )
    assert "'pendulum' is taken" in reason


def test_star_arguments_are_refused():
    assert "*args" in refused(
        """
        from airflow.utils.dates import days_ago
        start = days_ago(*shift)
        """,
        "days-ago", "days_ago(*shift)", **DAYS_AGO,
    )
