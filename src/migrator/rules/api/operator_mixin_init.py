"""API019: an operator's mixin meets Airflow 3's BaseOperator ``__init__`` chain and fails."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from migrator.analysis.classes import SUPER_NONE, SUPER_PASSES, TRANSPARENT_BASES, ClassFacts
from migrator.compat import OperatorInitChain, operator_init_chain
from migrator.findings import Finding, Fix, FixSafety, Location, Related, Severity
from migrator.fixes import AppendBase, EndInitChain
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid

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


# The operator initialises the mixin itself, before its other base's __init__ (audit 220).
_EXPLICIT_MIXIN_INIT = '''\
from airflow.models import BaseOperator

from company.mixins import AlertingMixin


class CheckOperator(BaseOperator, AlertingMixin):
    def __init__(self, configuration, **kwargs):
        AlertingMixin.__init__(self, configuration)
        BaseOperator.__init__(self, **kwargs)
'''


# What the end-init-chain fix defines once per module (codemods/end_init_chain.py).
_CHAIN_END = '''\
class _InitChainEnd:
    """Ends the operator's __init__ chain here, before the mixins listed after this class.

    Airflow 3's BaseOperator.__init__ calls super().__init__() on through the class's MRO, which
    would call those mixins without the arguments they require. The operator initialises them
    with its own explicit calls, and Airflow 2's chain ended before them too (at LoggingMixin).
    """

    def __init__(self, *args, **kwargs):
        pass


'''


_EMR_OPERATOR = "from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator"


_IMPORT_BASE_OPERATOR = "from airflow.models import BaseOperator"


_IMPORT_LOGGING_MIXIN = "from airflow.utils.log.logging_mixin import LoggingMixin"


def _operator(bases: str, mixin: str, base_import: str = _IMPORT_BASE_OPERATOR) -> str:
    return _OPERATOR.format(bases=bases, mixin=mixin).replace(_IMPORT_BASE_OPERATOR, base_import)


def _fixed(code: str, mixin: str, imports: tuple[str, ...], bases: str) -> str:
    """What `migrator fix` makes of ``_operator(...)``: ``imports`` after the last one, ``bases`` last."""
    imported = f"from company.mixins import {mixin}\n"
    return (code.replace(imported, imported + "".join(f"{line}\n" for line in imports))
            .replace("):\n    def __init__", f", {bases}):\n    def __init__", 1))


def _chain_ended(code: str, mixin: str) -> str:
    """What `migrator fix` makes of ``_operator(..., mixin)`` with ``mixin`` after the operator's base."""
    return (code.replace("\nclass CheckOperator", "\n" + _CHAIN_END + "class CheckOperator", 1)
            .replace(f", {mixin})", f", _InitChainEnd, {mixin})", 1))


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
    `super().__init__()`, and the Task SDK's `GenericDAGNode.__init__` after it calls on too.
    Every DAG file that builds such an operator is an import error on Airflow 3, though it
    loads on Airflow 2.

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
    For a `LoggingMixin` subclass before the operator's base, list `BaseOperator` and then
    `LoggingMixin` as the last bases (`class AddStepsOperator(RetryMixin, EmrAddStepsOperator,
    BaseOperator, LoggingMixin)`; under `BaseOperator` itself, `LoggingMixin` alone): the MRO is
    then Airflow 2's again (the mixin, the operator's classes, `BaseOperator`, then
    `LoggingMixin`), on Airflow 2 and 3 alike. `LoggingMixin` alone after an operator subclass
    is not enough: C3 puts it right after that subclass, whose `__init__` still hands it the
    arguments. `migrator fix` does this when the operator's base is the last one listed (a safe
    fix: on Airflow 2 that MRO already held both, in that order, after every listed base, so it
    is unchanged), importing `BaseOperator` from `airflow.models` and `LoggingMixin` from
    `airflow.utils.log.logging_mixin`, which Airflow 2 and 3 both have (on 3 the first is the
    Task SDK's `BaseOperator`); where the module binds either name to another class it writes
    the dotted path instead. A class with other bases after the operator's base, or that lists
    `LoggingMixin` itself, is left to you.

    For a mixin after the operator's base, `migrator fix` ends the chain where Airflow 2's
    ended: it lists `_InitChainEnd`, a class it defines once in the module whose `__init__`
    calls nothing further, right after the operator's base (`class TaskOperator(
    KubernetesPodOperator, _InitChainEnd, AlertingMixin)`). C3 puts every class of the
    operator's base before it, so on Airflow 3 the chain stops there instead of calling the
    mixin, and the operator initialises the mixin with its own explicit call
    (`AlertingMixin.__init__(self, configuration)`), as on Airflow 2. A safe fix: on Airflow 2
    the chain ended at `LoggingMixin`, before the new class, and any call that reached its
    place would have called the mixin without its required arguments. A class with an operator
    base after the mixin, or a base the module does not name statically, is left to you: list
    such a class yourself, or make the mixin's `__init__` skip a call without arguments
    (defaults alone are not enough when the operator calls it explicitly first: the chain's call
    comes later and overwrites that state), or initialise its state without an `__init__` of
    its own.

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
        Valid(_fixed(_operator("RetryMixin, BaseOperator", "RetryMixin"), "RetryMixin", (_IMPORT_LOGGING_MIXIN,),
                     "LoggingMixin"), path="dags/ops.py", files={"dags/company/mixins.py": _RETRY_MIXIN}),
        # Under an operator subclass, BaseOperator listed before LoggingMixin puts LoggingMixin
        # right after BaseOperator, past the subclass's __init__ that hands on the arguments.
        Valid(_fixed(_operator("RetryMixin, EmrAddStepsOperator", "RetryMixin", _EMR_OPERATOR), "RetryMixin",
                     (_IMPORT_BASE_OPERATOR, _IMPORT_LOGGING_MIXIN), "BaseOperator, LoggingMixin"),
              path="dags/ops.py", files={"dags/company/mixins.py": _RETRY_MIXIN}),
        # The fixed operator: the chain ends before the mixin, which its own __init__ initialises.
        Valid(_chain_ended(_operator("BaseOperator, AlertingMixin", "AlertingMixin"), "AlertingMixin"),
              path="dags/ops.py", files={"dags/company/mixins.py": _ALERTING_MIXIN}),
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
                fixed=_fixed(_operator("RetryMixin, BaseOperator", "RetryMixin"), "RetryMixin",
                             (_IMPORT_LOGGING_MIXIN,), "LoggingMixin")),
        # Under an operator subclass whose __init__ hands on the arguments, BaseOperator goes
        # before LoggingMixin (LoggingMixin alone would come right after the subclass).
        Invalid(_operator("RetryMixin, EmrAddStepsOperator", "RetryMixin", _EMR_OPERATOR), path="dags/ops.py",
                files={"dags/company/mixins.py": _RETRY_MIXIN}, line=6,
                contains="add BaseOperator and LoggingMixin as the last bases, in that order",
                fixed=_fixed(_operator("RetryMixin, EmrAddStepsOperator", "RetryMixin", _EMR_OPERATOR), "RetryMixin",
                             (_IMPORT_BASE_OPERATOR, _IMPORT_LOGGING_MIXIN), "BaseOperator, LoggingMixin")),
        # LoggingMixin listed after the subclass alone still comes right after it in the MRO;
        # BaseOperator cannot be appended after LoggingMixin (its own base on Airflow 2): no fix.
        Invalid(_fixed(_operator("RetryMixin, EmrAddStepsOperator", "RetryMixin", _EMR_OPERATOR), "RetryMixin",
                       (_IMPORT_LOGGING_MIXIN,), "LoggingMixin"), path="dags/ops.py",
                files={"dags/company/mixins.py": _RETRY_MIXIN}, line=7,
                contains="RetryMixin, listed before EmrAddStepsOperator"),
        # The chain end listed after the operator's base stops Airflow 3's chain before the mixin.
        Invalid(_operator("BaseOperator, AlertingMixin", "AlertingMixin"), path="dags/ops.py",
                files={"dags/company/mixins.py": _ALERTING_MIXIN}, line=6,
                contains="calls AlertingMixin.__init__ without arguments, but it needs 'configuration'",
                fixed=_chain_ended(_operator("BaseOperator, AlertingMixin", "AlertingMixin"), "AlertingMixin")),
        # The mixin initialised by the operator's own call before BaseOperator.__init__: defaults
        # for its parameters would let Airflow 3's chain call it again, bare, and overwrite the
        # configuration; the chain ends before it instead, so the explicit call's value stays.
        Invalid(_EXPLICIT_MIXIN_INIT, path="dags/ops.py", files={"dags/company/mixins.py": _ALERTING_MIXIN}, line=6,
                contains="calls AlertingMixin.__init__ without arguments, but it needs 'configuration'",
                fixed=_chain_ended(_EXPLICIT_MIXIN_INIT, "AlertingMixin")),
        # Under an operator subclass, whose classes all come before the chain end in the MRO.
        Invalid(_operator("EmrAddStepsOperator, AlertingMixin", "AlertingMixin", _EMR_OPERATOR), path="dags/ops.py",
                files={"dags/company/mixins.py": _ALERTING_MIXIN}, line=6,
                contains="end the __init__ chain before AlertingMixin",
                fixed=_chain_ended(_operator("EmrAddStepsOperator, AlertingMixin", "AlertingMixin", _EMR_OPERATOR),
                                   "AlertingMixin")),
        # Through a project operator class and a mixin's parent in another module.
        Invalid(_operator("RetryingMixin, BaseOperator", "RetryingMixin",
                          "from company.base import CompanyOperator as BaseOperator"),
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
            listed_last = facts.bases[operator_at:]
            under_base_operator = next((i for i, base in enumerate(listed_last) if base in chain.base_operators), None)
            # LoggingMixin listed after BaseOperator itself comes right after it in the MRO.
            passes_arguments = ((facts.init is None or facts.init.super_call == SUPER_PASSES)
                                and (under_base_operator is None
                                     or not chain.logging_mixins.intersection(listed_last[under_base_operator + 1:])))
            missing = ((chain.portable_logging_mixin,) if under_base_operator is not None
                       else (chain.portable_base_operator, chain.portable_logging_mixin))
            for base in facts.bases[:operator_at]:
                if passes_arguments and hierarchy.forwards_to_logging_mixin(base):
                    finding = self.finding(
                        path, location,
                        f"{_short(facts.qualname)}: {_short(base)}, listed before {operator_base}, hands the "
                        f"operator's arguments to LoggingMixin.__init__ on Airflow 3 (BaseOperator no longer "
                        f"derives from LoggingMixin), which fails with 'unexpected keyword argument task_id'; "
                        f"add {_as_last_bases(missing)}",
                        anchor=f"{facts.qualname}\x1f{base}", fix=_append_bases(facts, operator_at, missing, chain))
                    yield replace(finding, related=self._class_places(base, classes, "hands the arguments on"))
                    break
            mixins = facts.bases[operator_at + 1:]
            for base, needed in hierarchy.called_without_arguments(mixins):
                finding = self.finding(
                    path, location,
                    f"{_short(facts.qualname)}: Airflow 3's BaseOperator calls {_short(base)}.__init__ without "
                    f"arguments, but it needs {', '.join(map(repr, needed))}: end the __init__ chain before "
                    f"{_short(mixins[0])}, as Airflow 2's did",
                    anchor=f"{facts.qualname}\x1f{base}", fix=_end_chain(facts, mixins, hierarchy))
                # BaseOperator calls it from the end of the operator's own chain of __init__s: the
                # error surfaces in the deepest project class of that chain, or in the mixin.
                yield replace(finding, related=(
                    *self._class_places(base, classes, "needs arguments"),
                    *self._class_places(facts.bases[operator_at], classes, "calls on to BaseOperator")))

    def _class_places(self, start: str, classes: dict[str, tuple[str, ClassFacts]], what: str) -> tuple[Related, ...]:
        """The project's class ``start`` and its project parents: Airflow 3 raises inside one of
        their ``__init__`` methods, which ``migrate --verify`` matches the failure to."""
        places, pending, seen = [], [start], set()
        while pending:
            name = pending.pop(0)
            if name in seen or name not in classes:
                continue
            seen.add(name)
            path, facts = classes[name]
            places.append(Related(path, Location(facts.line, 1, facts.line, 1),
                                  f"{self.id}: {_short(start)} {what} (its class{'' if name == start else ' ' + _short(name)})"))
            pending.extend(facts.bases)
        return tuple(places)


def _append_bases(facts: ClassFacts, operator_at: int, missing: tuple[str, ...],
                  chain: OperatorInitChain) -> Fix | None:
    """Only where the operator's base is listed last (BaseOperator itself may follow it) and no
    LoggingMixin is listed: on Airflow 2 that MRO already held BaseOperator, then LoggingMixin,
    after every listed base, so appending them changes nothing there; on Airflow 3 LoggingMixin
    then comes right after BaseOperator, whose __init__ ends the arguments (under an operator
    subclass alone C3 puts it right after the subclass, which hands it task_id)."""
    if (not set(facts.bases[operator_at + 1:]) <= chain.base_operators
            or chain.logging_mixins.intersection(facts.bases)):
        return None
    return AppendBase(safety=FixSafety.SAFE,
                      description=f"add {_as_last_bases(missing, f' of {_short(facts.qualname)}')}",
                      required=True, name=_short(facts.qualname), bases=missing)


def _end_chain(facts: ClassFacts, mixins: tuple[str, ...], hierarchy: _Hierarchy) -> Fix | None:
    """Only where every base after the operator's is a mixin the module names: the chain end
    goes right after the operator's classes in the MRO, before all of them."""
    if not all(mixins) or any(hierarchy.is_operator(base) for base in mixins):
        return None
    return EndInitChain(safety=FixSafety.SAFE,
                        description=f"end the __init__ chain of {_short(facts.qualname)} before {_short(mixins[0])}",
                        required=True, name=_short(facts.qualname), mixin=mixins[0])


def _as_last_bases(bases: tuple[str, ...], of: str = "") -> str:
    if len(bases) == 1:
        return f"{_short(bases[0])} as the last base{of}"
    return f"{' and '.join(map(_short, bases))} as the last bases{of}, in that order"


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
        if name in seen or name in TRANSPARENT_BASES:
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
                if facts is None:
                    return  # outside the project
                if facts.init.required:  # called with none, whether or not it calls on
                    yield name, facts.init.required
                    return
                if facts.init.super_call == SUPER_NONE:
                    return  # the chain ends here
