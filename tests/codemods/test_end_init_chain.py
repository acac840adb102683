"""Before/after cases for ``end-init-chain`` (API019: a mixin with required ``__init__``
arguments listed after the operator's base)."""

from __future__ import annotations

import textwrap

from codemod_cases import check, edit, fix, refused, source

ALERTING = {"name": "AlertingOperator", "mixin": "company.mixins.AlertingMixin"}
AT = "class AlertingOperator"
CHAIN_END = textwrap.indent('''\
class _InitChainEnd:
    """Ends the operator's __init__ chain here, before the mixins listed after this class.

    Airflow 3's BaseOperator.__init__ calls super().__init__() on through the class's MRO, which
    would call those mixins without the arguments they require. The operator initialises them
    with its own explicit calls, and Airflow 2's chain ended before them too (at LoggingMixin).
    """

    def __init__(self, *args, **kwargs):
        pass
''', " " * 8)


def test_the_chain_end_is_defined_above_the_first_class_and_listed_before_the_mixin():
    check(
        """
        from airflow.models import BaseOperator

        from company.mixins import AlertingMixin


        class Helper:
            pass


        class AlertingOperator(BaseOperator, AlertingMixin, metaclass=type):
            def __init__(self, configuration, **kwargs):
                AlertingMixin.__init__(self, configuration)
                BaseOperator.__init__(self, **kwargs)
        """,
        """
        from airflow.models import BaseOperator

        from company.mixins import AlertingMixin


""" + CHAIN_END + """

        class Helper:
            pass


        class AlertingOperator(BaseOperator, _InitChainEnd, AlertingMixin, metaclass=type):
            def __init__(self, configuration, **kwargs):
                AlertingMixin.__init__(self, configuration)
                BaseOperator.__init__(self, **kwargs)
        """,
        ("end-init-chain", AT, ALERTING),
    )


def test_multi_line_bases_keep_their_comments_and_two_classes_share_one_definition():
    before = source("""
        from airflow.models import BaseOperator
        from company.mixins import AlertingMixin, MetricsMixin


        class AlertingOperator(
            BaseOperator,  # the operator
            AlertingMixin,
            MetricsMixin,
        ):
            pass


        class MetricsOperator(BaseOperator, MetricsMixin):
            pass
        """)
    result = fix(before, edit(before, "end-init-chain", AT, **ALERTING),
                 edit(before, "end-init-chain", "class MetricsOperator", name="MetricsOperator",
                      mixin="company.mixins.MetricsMixin"))
    assert not result.refused, result.refused
    assert result.text == source("""
        from airflow.models import BaseOperator
        from company.mixins import AlertingMixin, MetricsMixin


""" + CHAIN_END + """

        class AlertingOperator(
            BaseOperator,  # the operator
            _InitChainEnd,
            AlertingMixin,
            MetricsMixin,
        ):
            pass


        class MetricsOperator(BaseOperator, _InitChainEnd, MetricsMixin):
            pass
        """)
    # A second pass finds the chain end listed and defined: nothing changes.
    again = fix(result.text, edit(result.text, "end-init-chain", AT, **ALERTING))
    assert again.text == result.text


def test_a_name_taken_or_a_mixin_not_after_a_base_is_refused():
    taken = """
        from airflow.models import BaseOperator
        from company.mixins import AlertingMixin

        _InitChainEnd = object


        class AlertingOperator(BaseOperator, AlertingMixin):
            pass
        """
    assert "binds '_InitChainEnd'" in refused(taken, "end-init-chain", AT, **ALERTING)
    first = """
        from airflow.models import BaseOperator
        from company.mixins import AlertingMixin


        class AlertingOperator(AlertingMixin, BaseOperator):
            pass
        """
    assert "does not list AlertingMixin after" in refused(first, "end-init-chain", AT, **ALERTING)


def test_a_mixin_of_the_module_itself_is_found_by_its_dotted_name():
    check(
        """
        from airflow.models import BaseOperator


        class AlertingMixin:
            def __init__(self, configuration):
                self.configuration = configuration


        class AlertingOperator(BaseOperator, AlertingMixin):
            pass
        """,
        """
        from airflow.models import BaseOperator


""" + CHAIN_END + """

        class AlertingMixin:
            def __init__(self, configuration):
                self.configuration = configuration


        class AlertingOperator(BaseOperator, _InitChainEnd, AlertingMixin):
            pass
        """,
        ("end-init-chain", AT, {"name": "AlertingOperator", "mixin": "ops.AlertingMixin"}),
    )
