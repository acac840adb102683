"""Before/after cases for ``replace-context-key``: subscripts, .get, Jinja strings, parameters."""

from __future__ import annotations

from codemod_cases import check, refused
from migrator.codemods.replace_context_key import rewrite_template

KEY = {"old": "execution_date", "new": "logical_date"}


def test_subscript_and_get_keep_their_quotes():
    check(
        """
        def report(**context):
            when = context["execution_date"]
            also = context.get('execution_date')
            return "execution_date" in context
        """,
        """
        def report(**context):
            when = context["logical_date"]
            also = context.get('logical_date')
            return "logical_date" in context
        """,
        ("replace-context-key", '"execution_date"', KEY),
        ("replace-context-key", "'execution_date'", KEY),
        ("replace-context-key", '"execution_date" in', KEY),
    )


def test_jinja_reads_change_but_attributes_and_keyword_names_do_not():
    check(
        """
        t = BashOperator(
            task_id="t",
            bash_command="run.sh {{ execution_date | ds }} {{ dag_run.execution_date }} "
                         "{{ macros.ds_add(ds, 1) }} {{ f(execution_date=execution_date) }}",
        )
        """,
        """
        t = BashOperator(
            task_id="t",
            bash_command="run.sh {{ logical_date | ds }} {{ dag_run.execution_date }} "
                         "{{ macros.ds_add(ds, 1) }} {{ f(execution_date=logical_date) }}",
        )
        """,
        ("replace-context-key", '"run.sh {{ execution_date | ds }} {{ dag_run.execution_date }} "', KEY),
        ("replace-context-key", '"{{ macros.ds_add(ds, 1) }} {{ f(execution_date=execution_date) }}"', KEY),
    )


def test_names_a_template_defines_itself_are_left_alone():
    code = "{% set execution_date = '2024-01-01' %}{{ execution_date }}"
    assert rewrite_template(code, "execution_date", "logical_date") == (code, 0)


def test_expression_replacement_is_parenthesised_in_templates():
    assert rewrite_template("{{ next_ds }}/x", "next_ds", "data_interval_end | ds") == \
        ("{{ (data_interval_end | ds) }}/x", 1)


def test_expression_replacement_is_refused_outside_templates():
    assert "template expression" in refused(
        """
        value = context["next_ds"]
        """,
        "replace-context-key", '"next_ds"', old="next_ds", new="data_interval_end | ds",
    )


def test_callable_parameter_named_after_the_key_is_renamed_with_its_uses():
    check(
        """
        def load(execution_date, **context):
            day = execution_date.date()
            return day, execution_date

        def other(execution_date):
            return execution_date
        """,
        """
        def load(logical_date, **context):
            day = logical_date.date()
            return day, logical_date

        def other(execution_date):
            return execution_date
        """,
        ("replace-context-key", "execution_date", KEY),
    )


def test_parameter_rename_is_refused_when_the_new_name_is_used():
    assert "already used" in refused(
        """
        def load(execution_date, logical_date=None):
            return execution_date
        """,
        "replace-context-key", "execution_date", **KEY,
    )


def test_string_without_the_key_is_refused():
    assert "line 1" in refused('x = "{{ ds }}"\n', "replace-context-key", '"{{ ds }}"', **KEY)


def test_two_keys_in_one_template_are_both_rewritten_in_one_pass():
    # Rules point at the key inside the literal, as a fragment of it.
    check(
        """
        cmd = "run {{ execution_date }} --prev {{ prev_ds }} --again {{ execution_date }}"
        """,
        """
        cmd = "run {{ logical_date }} --prev {{ (prev_data_interval_start_success | ds) }} --again {{ logical_date }}"
        """,
        ("replace-context-key", "execution_date", KEY),
        ("replace-context-key", "execution_date", {"nth": 1, **KEY}),
        ("replace-context-key", "prev_ds", {"old": "prev_ds", "new": "prev_data_interval_start_success | ds"}),
    )
