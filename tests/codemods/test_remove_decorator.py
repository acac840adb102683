"""Before/after cases for ``remove-decorator`` (``@apply_defaults``)."""

from __future__ import annotations

from codemod_cases import check, refused

APPLY_DEFAULTS = {"name": "airflow.utils.decorators.apply_defaults"}


def test_apply_defaults_and_its_import_are_removed():
    check(
        """
        from airflow.models import BaseOperator
        from airflow.utils.decorators import apply_defaults


        class CopyOperator(BaseOperator):
            # copies things
            @apply_defaults
            def __init__(self, source, **kwargs):
                super().__init__(**kwargs)
                self.source = source
        """,
        """
        from airflow.models import BaseOperator


        class CopyOperator(BaseOperator):
            # copies things
            def __init__(self, source, **kwargs):
                super().__init__(**kwargs)
                self.source = source
        """,
        ("remove-decorator", "apply_defaults\n", {"nth": 1, **APPLY_DEFAULTS}),
    )


def test_other_decorators_and_comments_between_them_stay():
    check(
        """
        from airflow.utils import decorators

        class Op:
            @staticmethod
            # defaults are applied by BaseOperator
            @decorators.apply_defaults
            @other
            def build():
                pass
        """,
        """
        class Op:
            @staticmethod
            # defaults are applied by BaseOperator
            @other
            def build():
                pass
        """,
        ("remove-decorator", "decorators.apply_defaults", APPLY_DEFAULTS),
    )


def test_import_stays_while_another_function_still_uses_it():
    check(
        """
        from airflow.utils.decorators import apply_defaults

        @apply_defaults
        def a():
            pass

        @apply_defaults
        def b():
            pass
        """,
        """
        from airflow.utils.decorators import apply_defaults

        def a():
            pass

        @apply_defaults
        def b():
            pass
        """,
        ("remove-decorator", "apply_defaults\ndef a", APPLY_DEFAULTS),
    )


def test_other_decorator_at_the_location_is_refused():
    assert "line 1" in refused(
        """
        @staticmethod
        def f():
            pass
        """,
        "remove-decorator", "staticmethod", **APPLY_DEFAULTS,
    )
