"""Before/after cases for ``replace-import``: moved and renamed imports, aliases, dotted uses."""

from __future__ import annotations

from codemod_cases import check, edit, fix, refused, source

BASH_OLD = "airflow.operators.bash_operator.BashOperator"
BASH_NEW = "airflow.providers.standard.operators.bash.BashOperator"
DUMMY_OLD = "airflow.operators.dummy_operator.DummyOperator"
EMPTY = "airflow.providers.standard.operators.empty.EmptyOperator"


def moved(old: str, new: str) -> dict:
    return {"old": old, "new": new}


def test_moved_import_is_rewritten_in_place_keeping_comments_and_layout():
    check(
        """
        # operators
        from airflow.operators.bash_operator import BashOperator  # run shell

        t = BashOperator(task_id="t", bash_command="date")
        """,
        """
        # operators
        from airflow.providers.standard.operators.bash import BashOperator  # run shell

        t = BashOperator(task_id="t", bash_command="date")
        """,
        ("replace-import", "BashOperator", moved(BASH_OLD, BASH_NEW)),
    )


def test_renamed_class_renames_every_use_in_every_scope():
    check(
        """
        from airflow.operators.dummy_operator import DummyOperator

        start = DummyOperator(task_id="start")

        def make(n):
            return [DummyOperator(task_id=f"t{i}") for i in range(n)]
        """,
        """
        from airflow.providers.standard.operators.empty import EmptyOperator

        start = EmptyOperator(task_id="start")

        def make(n):
            return [EmptyOperator(task_id=f"t{i}") for i in range(n)]
        """,
        ("replace-import", "DummyOperator", moved(DUMMY_OLD, EMPTY)),
    )


def test_user_alias_is_kept():
    check(
        """
        from airflow.operators.dummy_operator import DummyOperator as Noop
        t = Noop(task_id="a")
        """,
        """
        from airflow.providers.standard.operators.empty import EmptyOperator as Noop
        t = Noop(task_id="a")
        """,
        ("replace-import", "DummyOperator as Noop", moved(DUMMY_OLD, EMPTY)),
    )


def test_taken_new_name_keeps_the_old_name_as_an_alias():
    check(
        """
        from airflow.operators.dummy_operator import DummyOperator
        EmptyOperator = "not the operator"
        t = DummyOperator(task_id="a")
        """,
        """
        from airflow.providers.standard.operators.empty import EmptyOperator as DummyOperator
        EmptyOperator = "not the operator"
        t = DummyOperator(task_id="a")
        """,
        ("replace-import", "DummyOperator", moved(DUMMY_OLD, EMPTY)),
    )


def test_string_annotations_follow_a_rename():
    check(
        """
        from airflow.datasets import Dataset

        def feed(source: "Dataset") -> Dataset:
            return Dataset(source.uri)
        """,
        """
        from airflow.sdk import Asset

        def feed(source: "Asset") -> Asset:
            return Asset(source.uri)
        """,
        ("replace-import", "Dataset", moved("airflow.datasets.Dataset", "airflow.sdk.Asset")),
    )


def test_already_imported_target_is_not_imported_twice():
    check(
        """
        from airflow.operators.dummy_operator import DummyOperator
        from airflow.providers.standard.operators.empty import EmptyOperator

        a = DummyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
        """,
        """
        from airflow.providers.standard.operators.empty import EmptyOperator

        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
        """,
        ("replace-import", "DummyOperator", moved(DUMMY_OLD, EMPTY)),
    )


def test_names_moving_together_keep_their_parenthesised_statement():
    old, new = "airflow.operators.python_operator", "airflow.providers.standard.operators.python"
    check(
        """
        from airflow.operators.python_operator import (  # callables
            BranchPythonOperator,
            PythonOperator,  # the common one
        )
        """,
        """
        from airflow.providers.standard.operators.python import (  # callables
            BranchPythonOperator,
            PythonOperator,  # the common one
        )
        """,
        ("replace-import", "BranchPythonOperator", moved(f"{old}.BranchPythonOperator", f"{new}.BranchPythonOperator")),
        ("replace-import", "PythonOperator", {"nth": 1, **moved(f"{old}.PythonOperator", f"{new}.PythonOperator")}),
    )


def test_a_name_moving_alone_leaves_the_others_in_place():
    check(
        """
        from airflow.operators.python_operator import PythonOperator, ShortCircuitOperator as Gate
        """,
        """
        from airflow.operators.python_operator import PythonOperator
        from airflow.providers.standard.operators.python import ShortCircuitOperator as Gate
        """,
        ("replace-import", "ShortCircuitOperator as Gate",
         moved("airflow.operators.python_operator.ShortCircuitOperator",
               "airflow.providers.standard.operators.python.ShortCircuitOperator")),
    )


def test_module_alias_attribute_uses_import_the_new_name():
    check(
        """
        import airflow.operators.bash_operator as bo

        t = bo.BashOperator(task_id="t", bash_command="date")
        """,
        """
        from airflow.providers.standard.operators.bash import BashOperator

        t = BashOperator(task_id="t", bash_command="date")
        """,
        ("replace-import", "bo.BashOperator", moved(BASH_OLD, BASH_NEW)),
    )


def test_finding_on_a_module_import_rewrites_every_use_of_the_member():
    check(
        """
        import airflow.contrib.hooks.aws_hook as aws

        hook = aws.AwsHook(aws_conn_id="aws")
        kind = aws.AwsHook
        """,
        """
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        hook = AwsBaseHook(aws_conn_id="aws")
        kind = AwsBaseHook
        """,
        ("replace-import", "airflow.contrib.hooks.aws_hook as aws",
         moved("airflow.contrib.hooks.aws_hook.AwsHook", "airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook")),
    )


def test_dotted_use_of_a_plain_import():
    check(
        """
        import airflow.operators.bash_operator

        t = airflow.operators.bash_operator.BashOperator(task_id="t", bash_command="date")
        """,
        """
        from airflow.providers.standard.operators.bash import BashOperator

        t = BashOperator(task_id="t", bash_command="date")
        """,
        ("replace-import", "airflow.operators.bash_operator.BashOperator", moved(BASH_OLD, BASH_NEW)),
    )


def test_dotted_use_keeps_an_import_other_code_still_needs():
    check(
        """
        import airflow.operators.bash_operator as bo

        t = bo.BashOperator(task_id="t", bash_command="date")
        helper = bo.something_else
        """,
        """
        import airflow.operators.bash_operator as bo
        from airflow.providers.standard.operators.bash import BashOperator

        t = BashOperator(task_id="t", bash_command="date")
        helper = bo.something_else
        """,
        ("replace-import", "bo.BashOperator", moved(BASH_OLD, BASH_NEW)),
    )


def test_moved_module_import_keeps_its_alias():
    check(
        """
        import airflow.utils.timezone as tz
        now = tz.utcnow()
        """,
        """
        import airflow.sdk.timezone as tz
        now = tz.utcnow()
        """,
        ("replace-import", "airflow.utils.timezone as tz", moved("airflow.utils.timezone", "airflow.sdk.timezone")),
    )


def test_plugin_manager_import_goes_to_the_plugins_real_module():
    check(
        """
        from airflow.operators.acme_plugin import AcmeTransferOperator
        """,
        """
        from acme.operators.transfer import AcmeTransferOperator
        """,
        ("replace-import", "AcmeTransferOperator",
         moved("airflow.operators.acme_plugin.AcmeTransferOperator", "acme.operators.transfer.AcmeTransferOperator")),
    )


def test_finding_on_a_use_rewrites_the_import_behind_it():
    check(
        """
        from airflow.operators.dummy_operator import DummyOperator
        t = DummyOperator(task_id="a")
        """,
        """
        from airflow.providers.standard.operators.empty import EmptyOperator
        t = EmptyOperator(task_id="a")
        """,
        ("replace-import", 'DummyOperator(task_id="a")', moved(DUMMY_OLD, EMPTY)),
    )


def test_compatibility_fallback_is_rewritten_where_it_is():
    check(
        """
        try:
            from airflow.providers.standard.operators.bash import BashOperator
        except ImportError:
            from airflow.operators.bash_operator import BashOperator
        """,
        """
        try:
            from airflow.providers.standard.operators.bash import BashOperator
        except ImportError:
            from airflow.providers.standard.operators.bash import BashOperator
        """,
        ("replace-import", "import BashOperator\n", {"nth": 1, **moved(BASH_OLD, BASH_NEW)}),
    )


def test_import_inside_a_function():
    check(
        """
        def build():
            from airflow.operators.dummy_operator import DummyOperator
            return DummyOperator(task_id="x")
        """,
        """
        def build():
            from airflow.providers.standard.operators.empty import EmptyOperator
            return EmptyOperator(task_id="x")
        """,
        ("replace-import", "DummyOperator", moved(DUMMY_OLD, EMPTY)),
    )


def test_star_import_is_refused():
    reason = refused(
        """
        from airflow.operators.bash_operator import *
        """,
        "replace-import", "*", **moved(BASH_OLD, BASH_NEW),
    )
    assert "no use of" in reason or "star" in reason


def test_location_without_the_import_is_refused_with_the_line():
    reason = refused(
        """
        from airflow.operators.bash import BashOperator
        x = 1
        """,
        "replace-import", "x = 1", **moved(BASH_OLD, BASH_NEW),
    )
    assert "line 2" in reason


def test_bad_fix_data_is_refused():
    assert "not a dotted path" in refused("from a.b import C\n", "replace-import", "C", old="a.b.C", new="not a path")


def test_fixed_file_is_stable_when_fixed_again():
    code = source("""
        from airflow.operators.dummy_operator import DummyOperator
        t = DummyOperator(task_id="a")
    """)
    once = fix(code, edit(code, "replace-import", "DummyOperator", **moved(DUMMY_OLD, EMPTY))).text
    again = fix(once, edit(once, "replace-import", "EmptyOperator", **moved(DUMMY_OLD, EMPTY)))
    assert again.text == once and again.refused


def test_dotted_imports_go_even_while_their_top_package_is_still_used():
    # LibCST's RemoveImportsVisitor keeps ``import airflow.contrib...`` while ``airflow`` is
    # read anywhere; on Airflow 3 that line alone would break the DAG.
    check(
        """
        import airflow
        import airflow.contrib.hooks.aws_hook
        import airflow.operators.python_operator

        start = airflow.utils.dates.days_ago(1)
        hook = airflow.contrib.hooks.aws_hook.AwsHook(aws_conn_id="aws")
        task = airflow.operators.python_operator.PythonOperator(task_id="t")
        """,
        """
        import airflow
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook
        from airflow.providers.standard.operators.python import PythonOperator

        start = airflow.utils.dates.days_ago(1)
        hook = AwsBaseHook(aws_conn_id="aws")
        task = PythonOperator(task_id="t")
        """,
        ("replace-import", "airflow.contrib.hooks.aws_hook.AwsHook",
         moved("airflow.contrib.hooks.aws_hook.AwsHook", "airflow.providers.amazon.aws.hooks.base_aws.AwsBaseHook")),
        ("replace-import", "airflow.operators.python_operator.PythonOperator",
         moved("airflow.operators.python_operator.PythonOperator",
               "airflow.providers.standard.operators.python.PythonOperator")),
    )


def test_only_the_unused_name_of_a_shared_import_statement_goes():
    check(
        """
        import os, airflow.operators.bash_operator as bo
        from airflow.utils.dates import (
            cron_presets,
            days_ago,
        )

        t = bo.BashOperator(task_id="t", bash_command=os.sep)
        start = days_ago(1)
        presets = cron_presets
        """,
        """
        import os
        from airflow.utils.dates import (
            cron_presets,
        )
        import pendulum
        from airflow.providers.standard.operators.bash import BashOperator

        t = BashOperator(task_id="t", bash_command=os.sep)
        start = pendulum.today("UTC").add(days=-1)
        presets = cron_presets
        """,
        ("replace-import", "bo.BashOperator", moved(BASH_OLD, BASH_NEW)),
        ("days-ago", "days_ago(1)", {"old": "airflow.utils.dates.days_ago"}),
    )


def test_an_import_still_used_elsewhere_is_kept():
    check(
        """
        from airflow.utils import dates

        start = dates.days_ago(1)
        later = dates.days_ago
        """,
        """
        from airflow.utils import dates
        import pendulum

        start = pendulum.today("UTC").add(days=-1)
        later = dates.days_ago
        """,
        ("days-ago", "dates.days_ago(1)", {"old": "airflow.utils.dates.days_ago"}),
    )


def test_a_removed_import_line_leaves_the_blank_lines_around_it():
    # Its comment goes with it when no import follows: it labelled the removed import.
    check(
        """
        import json

        import airflow.operators.bash_operator as bo
        import pandas as pd

        # legacy helpers
        import airflow.utils.dates as dates

        start = dates.days_ago(1)
        t = bo.BashOperator(task_id="t", bash_command=json.dumps(pd.__version__))
        """,
        """
        import json

        import pandas as pd
        import pendulum
        from airflow.providers.standard.operators.bash import BashOperator

        start = pendulum.today("UTC").add(days=-1)
        t = BashOperator(task_id="t", bash_command=json.dumps(pd.__version__))
        """,
        ("replace-import", "bo.BashOperator", moved(BASH_OLD, BASH_NEW)),
        ("days-ago", "dates.days_ago(1)", {"old": "airflow.utils.dates.days_ago"}),
    )


def test_a_group_comment_above_a_removed_import_stays_with_the_group():
    check(
        """
        import os
        # operators
        import airflow.operators.bash_operator as bo
        import airflow.operators.python_operator as po

        t = bo.BashOperator(task_id="t", bash_command=os.sep)
        p = po.PythonOperator(task_id="p", python_callable=print)
        """,
        """
        import os
        # operators
        import airflow.operators.python_operator as po
        from airflow.providers.standard.operators.bash import BashOperator

        t = BashOperator(task_id="t", bash_command=os.sep)
        p = po.PythonOperator(task_id="p", python_callable=print)
        """,
        ("replace-import", "bo.BashOperator", moved(BASH_OLD, BASH_NEW)),
    )
