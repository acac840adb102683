"""Before/after cases for ``append-base`` (API019: BaseOperator and LoggingMixin after an operator's base)."""

from __future__ import annotations

from codemod_cases import check, edit, fix, refused, source

LOGGING_MIXIN = {"name": "RetryingOperator", "bases": ("airflow.utils.log.logging_mixin.LoggingMixin",)}
BOTH = {"name": "RetryingOperator",
        "bases": ("airflow.models.BaseOperator", "airflow.utils.log.logging_mixin.LoggingMixin")}
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


def test_several_bases_are_appended_in_order_with_their_imports():
    check(
        """
        from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator

        from company.mixins import RetryMixin


        class RetryingOperator(RetryMixin, EmrAddStepsOperator):
            pass
        """,
        """
        from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator

        from company.mixins import RetryMixin
        from airflow.models import BaseOperator
        from airflow.utils.log.logging_mixin import LoggingMixin


        class RetryingOperator(RetryMixin, EmrAddStepsOperator, BaseOperator, LoggingMixin):
            pass
        """,
        ("append-base", AT, BOTH),
    )
    check(
        """
        from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
        from company.mixins import RetryMixin


        class RetryingOperator(
            RetryMixin,  # retries on throttling
            EmrAddStepsOperator,  # the operator
        ):
            pass
        """,
        """
        from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
        from company.mixins import RetryMixin
        from airflow.models import BaseOperator
        from airflow.utils.log.logging_mixin import LoggingMixin


        class RetryingOperator(
            RetryMixin,  # retries on throttling
            EmrAddStepsOperator,  # the operator
            BaseOperator,
            LoggingMixin,
        ):
            pass
        """,
        ("append-base", AT, BOTH),
    )


def test_bases_the_class_ends_with_already_are_not_added_again():
    # BaseOperator under another import path of the same name is the rule's business: here the
    # class ends with the very qualname, so only LoggingMixin is added.
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
        ("append-base", AT, BOTH),
    )


def test_only_the_named_class_changes_and_a_second_pass_changes_nothing():
    code = source("""
        from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
        from company.mixins import RetryMixin


        class RetryingOperator(RetryMixin, EmrAddStepsOperator):
            pass


        class OtherOperator(RetryMixin, EmrAddStepsOperator):
            pass
        """)
    first = fix(code, edit(code, "append-base", AT, **BOTH))
    assert "class RetryingOperator(RetryMixin, EmrAddStepsOperator, BaseOperator, LoggingMixin):" in first.text
    assert "class OtherOperator(RetryMixin, EmrAddStepsOperator):" in first.text
    again = fix(first.text, edit(first.text, "append-base", AT, **BOTH))
    assert again.text == first.text


def test_a_class_that_lists_a_base_elsewhere_is_refused():
    # LoggingMixin first: appending it again is a TypeError (a base twice).
    assert "lists LoggingMixin already, not as its last bases" in refused(
        """
        from airflow.models import BaseOperator
        from airflow.utils.log.logging_mixin import LoggingMixin


        class RetryingOperator(LoggingMixin, BaseOperator):
            pass
        """,
        "append-base", AT, **LOGGING_MIXIN)
    # LoggingMixin last without BaseOperator: BaseOperator after it would put a class after one
    # of its own bases (Airflow 2's BaseOperator derives from LoggingMixin), an inconsistent MRO.
    assert "lists LoggingMixin already, not as its last bases" in refused(
        """
        from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
        from airflow.utils.log.logging_mixin import LoggingMixin
        from company.mixins import RetryMixin


        class RetryingOperator(RetryMixin, EmrAddStepsOperator, LoggingMixin):
            pass
        """,
        "append-base", AT, **BOTH)
