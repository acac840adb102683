"""API019: an operator's mixin meets Airflow 3's BaseOperator ``__init__`` chain and fails."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from migrator.analysis.classes import SUPER_NONE, SUPER_PASSES, ClassFacts
from migrator.compat import OperatorInitChain, operator_init_chain
from migrator.findings import Finding, Fix, FixSafety, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid

# Bases an __init__ chain passes through without stopping or taking arguments.
_TRANSPARENT = frozenset({"abc.ABC", "typing.Generic", "object"})
_OPERATOR_SUFFIXES = ("Operator", "Sensor")

_RETRY_MIXIN = '''\
from airflow.utils.log.logging_mixin import LoggingMixin


class RetryMixin(LoggingMixin):
    def __init__(self, max_retries=5, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_retries = max_retries
'''
_ALERTING_MIXIN = '''\
class AlertingMixin:
    def __init__(self, configuration):
        self.configuration = configuration
        super().__init__()
'''
_OPERATOR = '''\
from airflow.models import BaseOperator

from company.mixins import {mixin}


class CheckOperator({bases}):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
'''


def _operator(bases: str, mixin: str) -> str:
    return _OPERATOR.format(bases=bases, mixin=mixin)


def _with_logging_mixin_last(code: str, mixin: str) -> str:
    """What `migrator fix` makes of ``_operator(...)``: LoggingMixin imported and last base."""
    imported = f"from company.mixins import {mixin}\n"
    return (code.replace(imported, imported + "from airflow.utils.log.logging_mixin import LoggingMixin\n")
            .replace("BaseOperator):", "BaseOperator, LoggingMixin):"))


class OperatorMixinInit(ProjectRule):
    """
    ## What it does
    Reports an operator class whose mixin cannot take part in Airflow 3's chain of `__init__`
    calls, following the class's bases into the project's other modules and packages:

    - a mixin listed **before** the operator's base that derives from `LoggingMixin` and hands
      its arguments on (`super().__init__(*args, **kwargs)`): the operator's arguments reach
      `LoggingMixin.__init__` (`got an unexpected keyword argument 'task_id'`);
    - a mixin listed **after** the operator's base whose `__init__` has parameters without a
      default: BaseOperator calls it with none (`missing 1 required positional argument`).

    ## Why it matters on MWAA
    On Airflow 2, `BaseOperator` derives from `LoggingMixin`, whose `__init__` ends the chain:
    a mixin after the operator's base was never called by it, and a `LoggingMixin` subclass
    before it passed the arguments on to `BaseOperator`. Airflow 3's `BaseOperator` (Task SDK)
    no longer derives from `LoggingMixin` and ends its `__init__` with a bare
    `super().__init__()`. Every DAG file that builds such an operator is an import error on
    Airflow 3, though it loads on Airflow 2.

    ## Example
    ```python
    class RetryMixin(LoggingMixin):
        def __init__(self, max_retries=5, *args, **kwargs):
            super().__init__(*args, **kwargs)

    class AddStepsOperator(RetryMixin, EmrAddStepsOperator):  # task_id reaches LoggingMixin
        ...

    class AlertingMixin:
        def __init__(self, configuration):
            ...

    class TaskOperator(KubernetesPodOperator, AlertingMixin):  # AlertingMixin() without arguments
        ...
    ```

    ## Fix
    For a `LoggingMixin` subclass before `BaseOperator`, add `LoggingMixin` as the last base
    (`class CheckOperator(RetryMixin, BaseOperator, LoggingMixin)`): the MRO is then Airflow 2's
    again (the mixin, the operator, then `LoggingMixin`), on Airflow 2 and 3 alike.
    `migrator fix` does this when the operator's base is `BaseOperator` itself (a safe fix: on
    Airflow 2 the MRO is unchanged, since `LoggingMixin` already came after it), importing
    `LoggingMixin` from `airflow.utils.log.logging_mixin`, which both have; where the module
    binds the name `LoggingMixin` to another class it writes the dotted path instead. Under an
    operator subclass (`EmrCreateJobFlowOperator`) the MRO puts `LoggingMixin` right after that
    subclass, whose `__init__` still hands it the arguments: list `BaseOperator` before it too
    (`class AddStepsOperator(RetryMixin, EmrAddStepsOperator, BaseOperator, LoggingMixin)`), by
    hand. A class that lists `LoggingMixin` itself before the operator's base is left to you too.
    For a mixin after the operator's base, give its `__init__` parameters defaults (and make it
    tolerate being called by BaseOperator with none), or initialise its state without an
    `__init__` of its own.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/installation/upgrading_to_airflow3.html
    - https://docs.python.org/3/library/functions.html#super
    """

    id = "API019"
    name = "operator-mixin-init"
    severity = Severity.ERROR
    fix_safety = FixSafety.SAFE
    summary = "operator mixin that Airflow 3's BaseOperator __init__ chain calls wrongly"
    applies_to = f">={operator_init_chain().changed_in}"
    valid = (
        # Listed after the operator's base, a LoggingMixin subclass with defaults is called by
        # BaseOperator with none, which it accepts.
        Valid(_operator("BaseOperator, RetryMixin", "RetryMixin"), path="dags/ops.py",
              files={"dags/company/mixins.py": _RETRY_MIXIN}),
        # LoggingMixin as the last base puts it after BaseOperator again.
        Valid(_operator("RetryMixin, BaseOperator, LoggingMixin", "RetryMixin").replace(
            "from airflow.models import BaseOperator",
            "from airflow.models import BaseOperator\nfrom airflow.utils.log.logging_mixin import LoggingMixin"),
            path="dags/ops.py", files={"dags/company/mixins.py": _RETRY_MIXIN}),
        # A mixin without an __init__ of its own takes no part in the chain.
        Valid(_operator("BaseOperator, HelperMixin", "HelperMixin"), path="dags/ops.py",
              files={"dags/company/mixins.py": "class HelperMixin:\n    def helper(self):\n        return 1\n"}),
        # Airflow 2's BaseOperator ends the chain at its own LoggingMixin.
        Valid(_operator("BaseOperator, AlertingMixin", "AlertingMixin"), path="dags/ops.py",
              files={"dags/company/mixins.py": _ALERTING_MIXIN}, target="2.11.2"),
        Valid(_operator("RetryMixin, BaseOperator", "RetryMixin"), path="dags/ops.py",
              files={"dags/company/mixins.py": _RETRY_MIXIN}, target="2.11.2"),
    )
    invalid = (
        Invalid(_operator("RetryMixin, BaseOperator", "RetryMixin"), path="dags/ops.py",
                files={"dags/company/mixins.py": _RETRY_MIXIN}, line=6,
                contains="RetryMixin, listed before BaseOperator, hands the operator's arguments to LoggingMixin",
                fixed=_with_logging_mixin_last(_operator("RetryMixin, BaseOperator", "RetryMixin"), "RetryMixin")),
        Invalid(_operator("BaseOperator, AlertingMixin", "AlertingMixin"), path="dags/ops.py",
                files={"dags/company/mixins.py": _ALERTING_MIXIN}, line=6,
                contains="calls AlertingMixin.__init__ without arguments, but it needs 'configuration'"),
        # Through a project operator class and a mixin's parent in another module.
        Invalid(_operator("RetryingMixin, BaseOperator", "RetryingMixin").replace(
            "from airflow.models import BaseOperator", "from company.base import CompanyOperator as BaseOperator"),
            path="dags/ops.py",
            files={"dags/company/base.py": "from airflow.models import BaseOperator\n\n\n"
                                           "class CompanyOperator(BaseOperator):\n    pass\n",
                   "dags/company/mixins.py": _RETRY_MIXIN.replace("class RetryMixin(LoggingMixin)", "class Base(LoggingMixin)")
                   + "\n\nclass RetryingMixin(Base):\n    pass\n"},
                line=6, contains="RetryingMixin, listed before CompanyOperator"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        chain = operator_init_chain()
        classes = {facts.qualname: (module.path, facts) for module in project.modules for facts in module.classes}
        hierarchy = _Hierarchy({name: facts for name, (_, facts) in classes.items()}, chain.logging_mixins)
        for path, facts in classes.values():
            if not hierarchy.is_operator(facts.qualname):
                continue
            operator_at = next((i for i, base in enumerate(facts.bases) if hierarchy.is_operator(base)), None)
            if operator_at is None:
                continue
            operator_base = _short(facts.bases[operator_at])
            location = Location(facts.line, 1, facts.line, 1)
            # LoggingMixin listed after the operator's base keeps it after BaseOperator in the MRO.
            passes_arguments = ((facts.init is None or facts.init.super_call == SUPER_PASSES)
                                and not chain.logging_mixins.intersection(facts.bases[operator_at + 1:]))
            for base in facts.bases[:operator_at]:
                if passes_arguments and hierarchy.forwards_to_logging_mixin(base):
                    yield self.finding(
                        path, location,
                        f"{_short(facts.qualname)}: {_short(base)}, listed before {operator_base}, hands the "
                        f"operator's arguments to LoggingMixin.__init__ on Airflow 3 (BaseOperator no longer "
                        f"derives from LoggingMixin), which fails with 'unexpected keyword argument task_id'; "
                        f"add LoggingMixin as the last base", anchor=f"{facts.qualname}\x1f{base}",
                        fix=_logging_mixin_last(facts, chain) if facts.bases[operator_at] in chain.base_operators
                        else None)
                    break
            for base, needed in hierarchy.called_without_arguments(facts.bases[operator_at + 1:]):
                yield self.finding(
                    path, location,
                    f"{_short(facts.qualname)}: Airflow 3's BaseOperator calls {_short(base)}.__init__ without "
                    f"arguments, but it needs {', '.join(map(repr, needed))}: give them defaults",
                    anchor=f"{facts.qualname}\x1f{base}")


def _logging_mixin_last(facts: ClassFacts, chain: OperatorInitChain) -> Fix:
    """Only under BaseOperator itself: its __init__ ends the argument chain, and LoggingMixin
    comes right after it in the MRO (under a subclass C3 puts it right after the subclass)."""
    return Fix.make(FixSafety.SAFE, f"add LoggingMixin as the last base of {_short(facts.qualname)}",
                    required=True, kind="append-base", name=_short(facts.qualname),
                    base=chain.portable_logging_mixin)


def _short(dotted: str) -> str:
    return dotted.rpartition(".")[2]


class _Hierarchy:
    """The project's classes by dotted name, and what their __init__ chains do."""

    def __init__(self, classes: dict[str, ClassFacts], logging_mixins: frozenset[str]) -> None:
        self.classes = classes
        self.logging_mixins = logging_mixins
        self._operator: dict[str, bool] = {}

    def is_operator(self, name: str) -> bool:
        if name not in self._operator:
            self._operator[name] = False  # a cycle of bases is no operator
            facts = self.classes.get(name)
            if facts is None:
                self._operator[name] = name.startswith("airflow.") and name.endswith(_OPERATOR_SUFFIXES)
            else:
                self._operator[name] = any(self.is_operator(base) for base in facts.bases)
        return self._operator[name]

    def _inits(self, name: str, seen: set[str]) -> Iterator[tuple[str, ClassFacts | None]]:
        """The classes whose __init__ a call on ``name`` reaches first, depth first through the
        project's classes: (name, facts) of a class that defines one, (name, None) of a class
        outside the project."""
        if name in seen or name in _TRANSPARENT:
            return
        seen.add(name)
        facts = self.classes.get(name)
        if facts is None:
            yield name, None
        elif facts.init is not None:
            yield name, facts
        else:
            for base in facts.bases:
                yield from self._inits(base, seen)

    def forwards_to_logging_mixin(self, name: str) -> bool:
        """Does a keyword call of ``name``'s __init__ reach LoggingMixin.__init__?"""
        if self.is_operator(name):
            return False
        pending, seen = [name], set()
        while pending:
            reached = list(self._inits(pending.pop(0), seen))
            if not reached:
                return False
            first, facts = reached[0]
            if facts is None:
                return first in self.logging_mixins
            if facts.init.super_call != SUPER_PASSES:
                return False
            pending = list(facts.bases)
        return False

    def called_without_arguments(self, bases: tuple[str, ...]) -> Iterator[tuple[str, tuple[str, ...]]]:
        """The mixin among ``bases`` (those after the operator's base) whose __init__ the chain,
        called without arguments, cannot call: (name, its parameters without default)."""
        seen: set[str] = set()
        for base in bases:
            if self.is_operator(base):
                continue
            for name, facts in self._inits(base, seen):
                if facts is None or facts.init.super_call == SUPER_NONE:
                    return  # outside the project, or the chain ends here
                if facts.init.required:
                    yield name, facts.init.required
                    return
