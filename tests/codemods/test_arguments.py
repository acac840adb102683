"""Before/after cases for ``rename-argument`` and ``remove-argument``, in calls and default_args."""

from __future__ import annotations

from codemod_cases import check, refused


def rename(old: str, new: str) -> dict:
    return {"old": old, "new": new}


def test_dag_arguments_are_renamed_keeping_values_and_comments():
    check(
        """
        with DAG(
            "nightly",
            schedule_interval="@daily",  # every night
            concurrency=4,
        ) as dag:
            pass
        """,
        """
        with DAG(
            "nightly",
            schedule="@daily",  # every night
            max_active_tasks=4,
        ) as dag:
            pass
        """,
        ("rename-argument", 'schedule_interval="@daily"', rename("schedule_interval", "schedule")),
        ("rename-argument", "concurrency=4", rename("concurrency", "max_active_tasks")),
    )


def test_default_args_dict_key_keeps_its_quotes():
    check(
        """
        default_args = {'owner': 'data', 'task_concurrency': 2}
        """,
        """
        default_args = {'owner': 'data', 'max_active_tis_per_dag': 2}
        """,
        ("rename-argument", "'task_concurrency': 2", rename("task_concurrency", "max_active_tis_per_dag")),
    )


def test_default_args_built_with_dict_call():
    check(
        """
        default_args = dict(owner="data", task_concurrency=2)
        """,
        """
        default_args = dict(owner="data", max_active_tis_per_dag=2)
        """,
        ("rename-argument", "task_concurrency=2", rename("task_concurrency", "max_active_tis_per_dag")),
    )


def test_finding_on_the_value_finds_its_keyword():
    check(
        """
        dag = DAG("d", schedule_interval=timedelta(hours=1))
        """,
        """
        dag = DAG("d", schedule=timedelta(hours=1))
        """,
        ("rename-argument", "timedelta(hours=1)", rename("schedule_interval", "schedule")),
    )


def test_rename_is_refused_when_both_names_are_set():
    reason = refused(
        """
        dag = DAG("d", schedule_interval="@daily", schedule=None)
        """,
        "rename-argument", 'schedule_interval="@daily"', **rename("schedule_interval", "schedule"),
    )
    assert "both" in reason


def test_rename_needs_a_valid_new_name():
    assert "'not valid' is not an argument name" in refused('f(a=1)\n', "rename-argument", "a=1", old="a",
                                                             new="not valid")


def test_removed_last_argument_keeps_the_closing_layout():
    check(
        """
        t = PythonOperator(
            task_id="a",
            python_callable=load,
            provide_context=True
        )
        """,
        """
        t = PythonOperator(
            task_id="a",
            python_callable=load
        )
        """,
        ("remove-argument", "provide_context=True", {"name": "provide_context"}),
    )


def test_removed_argument_with_trailing_comma_style():
    check(
        """
        t = PythonOperator(
            task_id="a",
            provide_context=True,  # not needed since 2.0
            python_callable=load,
        )
        """,
        """
        t = PythonOperator(
            task_id="a",
            python_callable=load,
        )
        """,
        ("remove-argument", "provide_context=True", {"name": "provide_context"}),
    )


def test_removed_arguments_first_last_and_only():
    check(
        """
        a = f(provide_context=True, x=1)
        b = f(x=1, provide_context=True)
        c = f(provide_context=True)
        d = f(x=1,
              provide_context=True)
        """,
        """
        a = f(x=1)
        b = f(x=1)
        c = f()
        d = f(x=1)
        """,
        ("remove-argument", "provide_context=True, x=1", {"name": "provide_context"}),
        ("remove-argument", "provide_context=True)", {"name": "provide_context"}),
        ("remove-argument", "provide_context=True)", {"nth": 1, "name": "provide_context"}),
        ("remove-argument", "provide_context=True)", {"nth": 2, "name": "provide_context"}),
    )


def test_removed_default_args_entry():
    check(
        """
        default_args = {
            "owner": "data",
            "provide_context": True,
        }
        other = {"provide_context": True, "retries": 2}
        """,
        """
        default_args = {
            "owner": "data",
        }
        other = {"retries": 2}
        """,
        ("remove-argument", '"provide_context": True', {"name": "provide_context"}),
        ("remove-argument", '"provide_context": True', {"nth": 1, "name": "provide_context"}),
    )


def test_one_argument_cannot_be_renamed_and_removed():
    from codemod_cases import edit, fix, source

    code = source('t = f(provide_context=True)')
    remove = edit(code, "remove-argument", "provide_context=True", name="provide_context")
    rename_ = edit(code, "rename-argument", "provide_context=True", old="provide_context", new="x")
    result = fix(code, remove, rename_)
    # Whichever is planned first wins; the other is refused, never half-applied.
    assert len(result.applied) == 1 and len(result.refused) == 1
    assert result.text in ("t = f()\n", "t = f(x=True)\n")
    (reason,) = result.refused.values()
    assert "another fix" in reason


def test_argument_elsewhere_is_not_touched():
    reason = refused(
        """
        a = f(provide_context=True)
        b = 2
        """,
        "remove-argument", "b = 2", name="provide_context",
    )
    assert "line 2" in reason


def test_comments_stay_with_the_lines_they_describe():
    check(
        """
        t = PythonOperator(
            task_id="a",  # the id
            # context is passed anyway since 2.0
            provide_context=True,
            # the function
            python_callable=load,
        )
        u = PythonOperator(
            task_id="b",  # the id
            # the pod this task used to get
            executor_config={"pod": 1},
        )
        v = PythonOperator(
            task_id="c",  # the id
            executor_config={"pod": 1}
        )
        w = {
            "owner": "data",  # team
            # per-task pods
            "executor_config": {},
        }
        """,
        """
        t = PythonOperator(
            task_id="a",  # the id
            # the function
            python_callable=load,
        )
        u = PythonOperator(
            task_id="b",  # the id
        )
        v = PythonOperator(
            task_id="c"  # the id
        )
        w = {
            "owner": "data",  # team
        }
        """,
        ("remove-argument", "provide_context=True", {"name": "provide_context"}),
        ("remove-argument", "executor_config", {"name": "executor_config"}),
        ("remove-argument", "executor_config", {"nth": 1, "name": "executor_config"}),
        ("remove-argument", '"executor_config"', {"name": "executor_config"}),
    )


def test_an_import_only_the_removed_value_used_goes_with_it():
    check(
        """
        from common.alerts import notify, sla_miss_alert

        dag = DAG("d", sla_miss_callback=sla_miss_alert, on_failure_callback=notify)
        other = DAG("e", sla_miss_callback=notify)
        """,
        """
        from common.alerts import notify

        dag = DAG("d", on_failure_callback=notify)
        other = DAG("e")
        """,
        ("remove-argument", "sla_miss_callback=sla_miss_alert", {"name": "sla_miss_callback"}),
        ("remove-argument", "sla_miss_callback=notify", {"name": "sla_miss_callback"}),
    )


def test_an_argument_split_in_two_gets_the_value_under_both_names():
    check(
        """
        SSHOperator(
            task_id="t",
            timeout=60 * 20,  # twenty minutes
        )
        SSHOperator(task_id="u", timeout=90)
        """,
        """
        SSHOperator(
            task_id="t",
            conn_timeout=60 * 20, cmd_timeout=60 * 20,  # twenty minutes
        )
        SSHOperator(task_id="u", conn_timeout=90, cmd_timeout=90)
        """,
        ("rename-argument", "timeout=60 * 20", {"old": "timeout", "new": "conn_timeout", "also": ["cmd_timeout"]}),
        ("rename-argument", "timeout=90", {"old": "timeout", "new": "conn_timeout", "also": ["cmd_timeout"]}),
    )


def test_a_split_is_refused_when_a_new_name_is_already_set():
    reason = refused("""
        SSHOperator(task_id="t", timeout=90, cmd_timeout=10)
        """, "rename-argument", "timeout=90", old="timeout", new="conn_timeout", also=["cmd_timeout"])
    assert "already set" in reason


def test_values_are_replaced_keeping_quotes_and_enum_members_renamed():
    check(
        """
        DockerOperator(task_id="d", image="x", auto_remove=True)
        EmptyOperator(task_id="e", trigger_rule='none_failed_or_skipped')
        EmptyOperator(task_id="f", trigger_rule=TriggerRule.NONE_FAILED_OR_SKIPPED)
        """,
        """
        DockerOperator(task_id="d", image="x", auto_remove="success")
        EmptyOperator(task_id="e", trigger_rule='none_failed_min_one_success')
        EmptyOperator(task_id="f", trigger_rule=TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS)
        """,
        ("replace-value", "auto_remove=True", {"old": True, "new": "success"}),
        ("replace-value", "trigger_rule='none_failed_or_skipped'",
         {"old": "none_failed_or_skipped", "new": "none_failed_min_one_success"}),
        ("replace-value", "TriggerRule.NONE_FAILED_OR_SKIPPED",
         {"attribute": True, "old": "NONE_FAILED_OR_SKIPPED", "new": "NONE_FAILED_MIN_ONE_SUCCESS"}),
    )


def test_a_value_that_is_not_the_old_one_is_refused():
    reason = refused("""
        DockerOperator(task_id="d", image="x", auto_remove=remove)
        """, "replace-value", "auto_remove=remove", old=True, new="success")
    assert "no value" in reason
