"""Before/after cases for ``append-base`` (API019: LoggingMixin after an operator's base)."""

from __future__ import annotations

from codemod_cases import check, edit, fix, refused, source

LOGGING_MIXIN = {"name": "RetryingOperator", "base": "airflow.utils.log.logging_mixin.LoggingMixin"}
AT = "class RetryingOperator"


def test_one_line_bases_gain_the_base_and_its_import_after_the_leading_imports():
    check(
        """
        from airflow.models import BaseOperator

        from company.mixins import RetryMixin


        class RetryingOperator(RetryMixin, BaseOperator):
            pass
        """,
        """
        from airflow.models import BaseOperator

        from company.mixins import RetryMixin
        from airflow.utils.log.logging_mixin import LoggingMixin


        class RetryingOperator(RetryMixin, BaseOperator, LoggingMixin):
            pass
        """,
        ("append-base", AT, LOGGING_MIXIN),
    )


def test_multi_line_bases_keep_their_comments_on_their_own_lines():
    check(
        """
        from airflow.models import BaseOperator
        from company.mixins import RetryMixin


        class RetryingOperator(
            RetryMixin,  # retries on throttling
            BaseOperator,  # the operator
        ):
            pass
        """,
        """
        from airflow.models import BaseOperator
        from company.mixins import RetryMixin
        from airflow.utils.log.logging_mixin import LoggingMixin


        class RetryingOperator(
            RetryMixin,  # retries on throttling
            BaseOperator,  # the operator
            LoggingMixin,
        ):
            pass
        """,
        ("append-base", AT, LOGGING_MIXIN),
    )
    check(
        """
        from airflow.models import BaseOperator
        from company.mixins import RetryMixin


        class RetryingOperator(
            RetryMixin,
            BaseOperator  # no trailing comma
        ):
            pass
        """,
        """
        from airflow.models import BaseOperator
        from company.mixins import RetryMixin
        from airflow.utils.log.logging_mixin import LoggingMixin


        class RetryingOperator(
            RetryMixin,
            BaseOperator,  # no trailing comma
            LoggingMixin
        ):
            pass
        """,
        ("append-base", AT, LOGGING_MIXIN),
    )


def test_the_base_goes_before_the_keywords_and_an_existing_import_is_reused():
    check(
        """
        from airflow.models import BaseOperator
        from airflow.utils.log.logging_mixin import LoggingMixin
        from company.mixins import OperatorMeta, RetryMixin


        @register
        class RetryingOperator(RetryMixin, BaseOperator, metaclass=OperatorMeta):
            pass
        """,
        """
        from airflow.models import BaseOperator
        from airflow.utils.log.logging_mixin import LoggingMixin
        from company.mixins import OperatorMeta, RetryMixin


        @register
        class RetryingOperator(RetryMixin, BaseOperator, LoggingMixin, metaclass=OperatorMeta):
            pass
        """,
        ("append-base", AT, LOGGING_MIXIN),
    )
    check(
        """
        from airflow.models import BaseOperator
        from company.mixins import OperatorMeta, RetryMixin


        class RetryingOperator(
            RetryMixin,
            BaseOperator,
            metaclass=OperatorMeta,  # registers the operator
        ):
            pass
        """,
        """
        from airflow.models import BaseOperator
        from company.mixins import OperatorMeta, RetryMixin
        from airflow.utils.log.logging_mixin import LoggingMixin


        class RetryingOperator(
            RetryMixin,
            BaseOperator,
            LoggingMixin,
            metaclass=OperatorMeta,  # registers the operator
        ):
            pass
        """,
        ("append-base", AT, LOGGING_MIXIN),
    )


def test_a_name_bound_to_another_class_makes_the_fix_spell_the_dotted_path():
    check(
        """
        from airflow.models import BaseOperator
        from company.logs import LoggingMixin
        from company.mixins import RetryMixin


        class RetryingOperator(RetryMixin, BaseOperator):
            log_with = LoggingMixin
        """,
        """
        from airflow.models import BaseOperator
        from company.logs import LoggingMixin
        from company.mixins import RetryMixin
        import airflow.utils.log.logging_mixin


        class RetryingOperator(RetryMixin, BaseOperator, airflow.utils.log.logging_mixin.LoggingMixin):
            log_with = LoggingMixin
        """,
        ("append-base", AT, LOGGING_MIXIN),
    )


def test_only_the_named_class_changes_and_a_second_pass_changes_nothing():
    code = source("""
        from airflow.models import BaseOperator
        from company.mixins import RetryMixin


        class RetryingOperator(RetryMixin, BaseOperator):
            pass


        class OtherOperator(RetryMixin, BaseOperator):
            pass
        """)
    first = fix(code, edit(code, "append-base", AT, **LOGGING_MIXIN))
    assert "class RetryingOperator(RetryMixin, BaseOperator, LoggingMixin):" in first.text
    assert "class OtherOperator(RetryMixin, BaseOperator):" in first.text
    again = fix(first.text, edit(first.text, "append-base", AT, **LOGGING_MIXIN))
    assert again.text == first.text  # refused: the class lists LoggingMixin already


def test_a_class_that_lists_the_base_already_is_refused():
    assert "lists LoggingMixin already" in refused(
        """
        from airflow.models import BaseOperator
        from airflow.utils.log.logging_mixin import LoggingMixin


        class RetryingOperator(LoggingMixin, BaseOperator):
            pass
        """,
        "append-base", AT, **LOGGING_MIXIN)
