"""Sizing facts read from DAG modules: how many DAGs, their tasks, schedules, limits and waits.

Built on ``find_dags``/``find_tasks`` (analysis/dags.py). On top of them this module works out
what those leave open for sizing:

- which DAG each task belongs to (``with DAG(...)`` blocks, ``dag=`` arguments, ``@dag``
  functions, factory functions, and the DAG of a one-DAG file);
- how many copies loops and factory functions make (``for t in TABLES`` over a literal, a
  ``range``, or a module constant is counted; anything else is an estimate and says so);
- ``@task`` functions by their call sites, and mapped tasks (``.expand``) by their fan-out;
- task dependencies (``>>``, ``<<``, ``chain``, ``cross_downstream``, ``set_upstream`` /
  ``set_downstream``, TaskFlow arguments, task groups), for each run's critical path;
- schedules in every spelling (cron, presets, timedeltas, timetables, datasets / assets, None);
- ``max_active_runs``, ``max_active_tasks`` (``concurrency`` in 1.10), ``catchup``, pools,
  sensor modes, ``deferrable`` and fire-and-forget operators.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from migrator.analysis.dags import (
    DagDef,
    TaskDef,
    call_kwargs,
    const_str,
    find_dags,
    find_tasks,
    is_task_class,
)
from migrator.analysis.python import ModuleFacts
from migrator.sizing.defaults import (
    DEFAULT_POOL,
    HEAVY_KINDS,
    HEAVY_MODULES,
    MAPPED_TASK_DEFAULT_FANOUT,
    UNKNOWN_LOOP_ITERATIONS,
    TaskKind,
)
from migrator.sizing.facts.dependencies import link_dependencies
from migrator.sizing.facts.loops import (
    MAX_VARIANTS,
    MAX_VARIANTS_PER_LOOP,
    Count,
    Variant,
    _bind,
    _elements,
    _iterable_size,
    _merged,
    _parameters,
    loops_between,
)
from migrator.sizing.facts.model import (
    DagFacts,
    ModuleSizingFacts,
    Schedule,
    TaskFacts,
    _Scope,
    _TaskSite,
)
from migrator.sizing.facts.names import Names, _last_name, _unparse
from migrator.sizing.facts.schedule_reader import (
    DatasetTable,
    _minutes_of,
    _start_date_timezone,
    read_schedule,
)
from migrator.sizing.operators import classify, is_async_class

__all__ = ["ModuleReader", "Schedule", "read_modules"]


class ModuleReader:
    def __init__(self, module: ModuleFacts, datasets: DatasetTable, names: Names | None = None) -> None:
        self.module = module
        self.datasets = datasets
        self.names = names or Names(module)
        top_modules = {i.qualname.split(".", 1)[0] for i in module.imports}
        self.heavy = bool(top_modules & HEAVY_MODULES)

    # ---- DAG scopes ----

    def _scopes(self, dags: list[DagDef]) -> list[_Scope]:
        scopes: list[_Scope] = []
        for dag in dags:
            if dag.via_decorator:
                scopes.append(_Scope(dag, [dag.node], set(), None))
                continue
            nodes: list[ast.AST] = []
            names: set[str] = set()
            parent = self.module.parents.get(dag.node)
            if isinstance(parent, ast.withitem):
                nodes.append(self.module.parents[parent])
                if isinstance(parent.optional_vars, ast.Name):
                    names.add(parent.optional_vars.id)
            elif isinstance(parent, ast.Assign):
                names.update(t.id for t in parent.targets if isinstance(t, ast.Name))
            factory = self.module.enclosing_function(dag.node)
            if names and self.module.tree is not None:
                for node in ast.walk(self.module.tree):
                    if isinstance(node, ast.With) and any(
                        isinstance(item.context_expr, ast.Name) and item.context_expr.id in names
                        and self.module.enclosing_function(node) is factory
                        for item in node.items
                    ):
                        nodes.append(node)
            scopes.append(_Scope(dag, nodes, names, factory))
        return scopes

    def _owner(self, node: ast.AST, kwargs: dict[str, ast.expr], scopes: list[_Scope]) -> _Scope | None:
        if not scopes:
            return None
        dag_arg = kwargs.get("dag")
        if isinstance(dag_arg, ast.Name):
            function = self.module.enclosing_function(node)
            for scope in scopes:
                if dag_arg.id in scope.names and scope.factory is function:
                    return scope
            for scope in scopes:
                if dag_arg.id in scope.names:
                    return scope
        by_node = {id(n): s for s in scopes for n in s.nodes}
        for ancestor in self.module.ancestors(node):
            if id(ancestor) in by_node:
                return by_node[id(ancestor)]
        function = self.module.enclosing_function(node)
        in_factory = [s for s in scopes if s.factory is not None and s.factory is function]
        if len(in_factory) == 1:
            return in_factory[0]
        if len(scopes) == 1:
            return scopes[0]
        line = getattr(node, "lineno", 0)
        before = [s for s in scopes if getattr(s.dag.node, "lineno", 0) <= line]
        return before[-1] if before else scopes[0]

    def _per_dag_copy(self, scope: _Scope) -> frozenset[int]:
        """The DAG node and its ancestors: loops above them repeat the DAG, not its tasks."""
        return frozenset({id(scope.dag.node), *(id(a) for a in self.module.ancestors(scope.dag.node))})

    # ---- copies of a DAG ----

    def _call_sites(self, function: ast.AST) -> list[ast.Call]:
        name = getattr(function, "name", None)
        return [call for call, _ in self.module.calls
                if isinstance(call.func, ast.Name) and call.func.id == name]

    def _frames(self, node: ast.AST) -> tuple[list[tuple[ast.AST, ast.expr, ast.expr | None]], ast.AST | None]:
        """Loops around ``node`` up to its function (innermost first) as (loop, iterable, target),
        and that function (None: module level)."""
        frames: list[tuple[ast.AST, ast.expr, ast.expr | None]] = []
        child = node
        for ancestor in self.module.ancestors(node):
            if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                return frames, ancestor
            if isinstance(ancestor, (ast.For, ast.AsyncFor)) and child is not ancestor.iter and child not in ancestor.orelse:
                frames.append((ancestor, ancestor.iter, ancestor.target))
            elif isinstance(ancestor, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                frames += [(ancestor, g.iter, g.target) for g in reversed(ancestor.generators) if child is not g.iter]
            elif isinstance(ancestor, ast.While):
                frames.append((ancestor, ancestor, None))
            child = ancestor
        return frames, None

    def _loop_variants(self, iterable: ast.expr, target: ast.expr | None, outer: Variant) -> list[Variant]:
        """One variant per element of a literal sequence (binding the loop target), else one
        variant counting the iterations."""
        if target is None:  # a while loop
            return [outer.times(Count(UNKNOWN_LOOP_ITERATIONS, True, "a while loop"))]
        with self.names.bound(outer.env):
            resolved = self.names.resolve(iterable)
            elements = _elements(resolved, self.names)
            size = _iterable_size(self.names, iterable) if elements is None else len(elements)
        if elements is not None and len(elements) <= MAX_VARIANTS_PER_LOOP:
            variants = []
            for element in elements:
                env = dict(outer.env)
                _bind(target, element, env)
                variants.append(Variant(env, outer.count, outer.uncalled))
            return variants
        if size is None:
            return [outer.times(Count(UNKNOWN_LOOP_ITERATIONS, True, f"a loop over `{_unparse(iterable)[:60]}`"))]
        return [outer.times(Count(size))]

    def _variants(self, node: ast.AST, depth: int = 0) -> list[Variant]:
        """The copies of ``node`` made when the module is imported: one per element of literal
        loops around it (and per call of the function holding it), each with its bindings."""
        frames, function = self._frames(node)
        variants = [Variant({}, Count(1))] if function is None else self._function_variants(function, depth)
        for _, iterable, target in reversed(frames):
            variants = [v for outer in variants for v in self._loop_variants(iterable, target, outer)]
            if len(variants) > MAX_VARIANTS:
                variants = [_merged(variants)]
        return variants

    def _function_variants(self, function: ast.AST, depth: int) -> list[Variant]:
        name = getattr(function, "name", "?")
        sites = [c for c in self._call_sites(function) if self.module.enclosing_function(c) is not function]
        if not sites or depth > 4:
            return [Variant({}, Count(1), uncalled=True)]
        variants: list[Variant] = []
        for call in sites:
            for outer in self._variants(call, depth + 1):
                with self.names.bound(outer.env):
                    env = _parameters(function, call, self.names)
                variants.append(Variant(env, outer.count, outer.uncalled))
        if len(variants) > MAX_VARIANTS:
            variants = [_merged(variants)]
        return variants or [Variant({}, Count(1, True, f"`{name}` is only called by itself"))]

    def _dag_variants(self, scope: _Scope) -> list[Variant]:
        if scope.dag.via_decorator:
            return self._function_variants(scope.dag.node, 0)
        return self._variants(scope.dag.node)

    def _factory(self, scope: _Scope) -> tuple[str | None, bool]:
        """``module.function`` of the top-level function building the DAG, and whether this
        file never calls it."""
        function = scope.dag.node if scope.dag.via_decorator else self.module.enclosing_function(scope.dag.node)
        if function is None or self.module.enclosing_function(function) is not None:
            return None, False
        if not self.module.module_name or isinstance(function, ast.Lambda):
            return None, False
        return f"{self.module.module_name}.{function.name}", not self._call_sites(function)

    # ---- tasks ----

    def _task_sites(self, tasks: list[TaskDef]) -> list[_TaskSite]:
        sites: list[_TaskSite] = []
        for task in tasks:
            if isinstance(task.node, ast.Call):
                sites.append(_TaskSite(task.node, task))
                continue
            calls = self._taskflow_calls(task.node)
            if not calls:
                sites.append(_TaskSite(task.node, task))
            for call, mapped in calls:
                kwargs = dict(task.kwargs)
                task_id = task.task_id
                override = call.func if isinstance(call.func, ast.Call) else None
                if override is not None and isinstance(override.func, ast.Attribute) and override.func.attr == "override":
                    kwargs.update(call_kwargs(override))
                    task_id = const_str(kwargs.get("task_id")) or task_id
                sites.append(_TaskSite(call, TaskDef(task.node, task.operator, task_id, kwargs), mapped))
        # astronomer-providers' deferrable classes (S3KeySensorAsync) end in "Async", so
        # find_tasks does not list them.
        for call, qualname in self.module.calls:
            name = _last_name(qualname)
            if name.endswith(("OperatorAsync", "SensorAsync")) and name[:1].isupper():
                kwargs = call_kwargs(call)
                sites.append(_TaskSite(call, TaskDef(call, qualname or name, const_str(kwargs.get("task_id")), kwargs)))
        # Mapped classic operators: Operator.partial(...).expand(...)
        for call, qualname in self.module.calls:
            func = call.func
            if isinstance(func, ast.Attribute) and func.attr == "partial" and is_task_class(self.module.qualname(func.value)):
                operator = self.module.qualname(func.value) or ""
                kwargs = call_kwargs(call)
                sites.append(_TaskSite(call, TaskDef(call, operator, const_str(kwargs.get("task_id")), kwargs),
                                       self._expand_of(call)))
        return sites

    def _expand_of(self, node: ast.AST) -> ast.Call | None:
        parent = self.module.parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr in ("expand", "expand_kwargs"):
            call = self.module.parents.get(parent)
            return call if isinstance(call, ast.Call) else None
        return None

    def _taskflow_calls(self, function: ast.AST) -> list[tuple[ast.Call, ast.Call | None]]:
        name = getattr(function, "name", None)
        found: list[tuple[ast.Call, ast.Call | None]] = []
        for call, _ in self.module.calls:
            func = call.func
            if isinstance(func, ast.Name) and func.id == name:
                found.append((call, None))
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == name:
                if func.attr in ("expand", "expand_kwargs"):
                    found.append((call, call))
                elif func.attr == "partial":
                    found.append((call, self._expand_of(call)))
            elif (isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute)
                  and func.func.attr == "override" and isinstance(func.func.value, ast.Name)
                  and func.func.value.id == name):
                found.append((call, None))
        return found

    def _fanout(self, mapped: ast.Call) -> Count:
        sizes: list[int] = []
        for value in [*mapped.args, *(k.value for k in mapped.keywords)]:
            size = _iterable_size(self.names, value)
            if size is None:
                return Count(MAPPED_TASK_DEFAULT_FANOUT, True, "mapped over a value known only at run time")
            sizes.append(size)
        product = 1
        for size in sizes:
            product *= size
        return Count(product)

    def _task_facts(self, site: _TaskSite, scope: _Scope, default_args: dict[str, ast.expr]) -> TaskFacts:
        task = site.taskdef
        kwargs = task.kwargs
        names = self.names

        def arg(key: str) -> ast.expr | None:
            return kwargs.get(key) if key in kwargs else default_args.get(key)

        kind = classify(task.operator)
        line = getattr(site.node, "lineno", 1)
        copies = loops_between(self.module, names, site.node, None, self._per_dag_copy(scope))
        if site.mapped is not None:
            copies = copies.times(self._fanout(site.mapped))
        pool = names.constant(arg("pool"))
        task_id = task.task_id
        if task_id is None:
            task_id = _id_text(kwargs["task_id"]) if "task_id" in kwargs else f"line {line}"
        facts = TaskFacts(
            task_id=task_id,
            operator=task.operator, kind=kind, line=line,
            copies=copies.value, copies_estimated=copies.estimated, copies_note=copies.note,
            pool=pool if isinstance(pool, str) and pool else DEFAULT_POOL,
            heavy=self.heavy and kind in HEAVY_KINDS,
        )
        deferrable = names.constant(arg("deferrable"))
        if kind is TaskKind.EMPTY:
            facts.wait = "none"
        elif deferrable is True or is_async_class(task.operator):
            facts.wait = "deferred"
        elif kind is TaskKind.SENSOR and names.constant(arg("mode")) == "reschedule":
            facts.wait = "reschedule"
        elif kind in (TaskKind.GLUE, TaskKind.EXTERNAL) and names.constant(arg("wait_for_completion")) is False:
            facts.wait = "fire-and-forget"
        interval = arg("poke_interval")
        seconds = names.constant(interval)
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds > 0:
            facts.poke_interval_s = float(seconds)
        elif interval is not None:
            minutes = _minutes_of(self.module, names, interval)
            if minutes:
                facts.poke_interval_s = minutes * 60
        facts.outlets = tuple(dict.fromkeys(self.datasets.keys(self.module, names, kwargs.get("outlets"))))
        trigger = names.constant(kwargs.get("trigger_dag_id"))
        if isinstance(trigger, str):
            facts.triggers = (trigger,)
        subdag = names.resolve(kwargs.get("subdag"))
        if isinstance(subdag, ast.Call) and _last_name(task.operator) == "SubDagOperator":
            target = self.module.qualname(subdag.func)
            if target is None and isinstance(subdag.func, ast.Name) and self.module.module_name:
                target = f"{self.module.module_name}.{subdag.func.id}"  # a factory in this file
            facts.subdag = target
        return facts

    # ---- dependencies ----

    def _dag_facts(self, scope: _Scope, variant: Variant, schedule: bool = True) -> DagFacts:
        module, dag = self.module, scope.dag
        kwargs = dag.kwargs
        default_args = self.names.mapping(kwargs.get("default_args"))
        id_arg = dag.node.args[0] if isinstance(dag.node, ast.Call) and dag.node.args else kwargs.get("dag_id")
        dag_id, is_pattern = _dag_id_text(dag, self.names.resolve(id_arg))
        timezone = _start_date_timezone(module, self.names, kwargs, default_args)
        max_runs = self.names.constant(kwargs.get("max_active_runs"))
        max_tasks = self.names.constant(kwargs.get("max_active_tasks", kwargs.get("concurrency")))
        catchup = self.names.constant(kwargs.get("catchup"))
        count = variant.count
        note = count.note
        if variant.uncalled:
            note = "; ".join(n for n in (note, f"`{_function_name(module, dag)}` is not called in this file") if n)
        facts = DagFacts(
            dag_id=dag_id, dag_id_is_pattern=is_pattern, path=module.path,
            line=getattr(dag.node, "lineno", 1),
            copies=count.value, copies_estimated=count.estimated or variant.uncalled, copies_note=note,
            schedule=(read_schedule(module, self.names, self.datasets, kwargs, timezone) if schedule
                      else Schedule("unknown", "(not read: the DAGs were only counted)")),
            max_active_runs=max_runs if isinstance(max_runs, int) and not isinstance(max_runs, bool) and max_runs > 0 else None,
            max_active_tasks=max_tasks if isinstance(max_tasks, int) and not isinstance(max_tasks, bool) and max_tasks > 0 else None,
            catchup=catchup if isinstance(catchup, bool) else None,
            tasks=[],
        )
        facts.factory, facts.factory_uncalled = self._factory(scope)
        if variant.uncalled:
            facts.factory_loops = count
        return facts

    def read(self, tasks: bool = True) -> ModuleSizingFacts:
        """The module's DAGs, with their schedules, tasks and dependencies unless not ``tasks``."""
        module = self.module
        scopes = self._scopes(find_dags(module))
        result = ModuleSizingFacts(module.path, [])
        for scope in scopes:
            for variant in self._dag_variants(scope):
                with self.names.bound(variant.env):
                    facts = self._dag_facts(scope, variant, schedule=tasks)
                scope.variants.append((facts, variant.env))
                result.dags.append(facts)
        if not tasks:
            return result
        sites = self._task_sites(find_tasks(module))
        scope_sites: dict[int, tuple[_Scope, int]] = {}
        for index, site in enumerate(sites):
            owner = self._owner(site.node, site.taskdef.kwargs, scopes)
            if owner is None or not owner.variants:
                result.unowned_tasks += 1
                continue
            for facts, env in owner.variants:
                with self.names.bound(env):
                    default_args = self.names.mapping(owner.dag.kwargs.get("default_args"))
                    facts.tasks.append(self._task_facts(site, owner, default_args))
            scope_sites[index] = (owner, len(owner.variants[0][0].tasks) - 1)
        link_dependencies(self.module, scope_sites, sites)
        return result


def _function_name(module: ModuleFacts, dag: DagDef) -> str:
    function = dag.node if dag.via_decorator else module.enclosing_function(dag.node)
    return getattr(function, "name", "?")


def _id_text(node: ast.expr) -> str:
    """An id built at run time, written with ``{placeholders}``: f"load_{t}" -> ``load_{t}``,
    ``"{}.{}".format(a, b)`` -> ``{a}.{b}``."""
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{" + _unparse(v.value) + "}"
                       for v in node.values if isinstance(v, (ast.Constant, ast.FormattedValue)))
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
            and not node.keywords):
        arguments = iter(node.args)
        return re.sub(r"\{\}", lambda _: "{" + (_unparse(next(arguments, ast.Name("?")))) + "}",
                      node.func.value.value)
    return "{" + _unparse(node) + "}"


def _dag_id_text(dag: DagDef, node: ast.expr | None) -> tuple[str, bool]:
    if dag.dag_id:
        return dag.dag_id, False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if node is not None:
        return _id_text(node), True
    return f"(unnamed DAG at line {getattr(dag.node, 'lineno', 1)})", False


def _factory_calls(modules: list[ModuleFacts], names: dict[str, Names], factory: str) -> Count | None:
    """Calls of a shared DAG factory from other modules, counted with their loops."""
    total: Count | None = None
    for module in modules:
        for call, qualname in module.calls:
            if qualname != factory:
                continue
            count = loops_between(module, names[module.path], call, None)
            if module.enclosing_function(call) is not None:
                count = count.times(Count(1, True, f"called inside a function in {module.path}"))
            total = count if total is None else total.plus(count)
    return total


def read_modules(modules: Iterable[ModuleFacts], dag_modules: set[str] | None = None,
                 ignored: frozenset[str] = frozenset(), tasks: bool = True) -> list[ModuleSizingFacts]:
    """Sizing facts of the modules in ``dag_modules`` (by path; all when None).

    Modules Airflow does not parse (``ignored``: .airflowignore) keep only the DAGs their
    factories build for files it does parse; every module lends its dataset constants. Not
    ``tasks``: the DAGs alone (counting them), without their tasks (nor whether one is a SubDAG)
    nor their schedules (``unknown``).
    """
    parsed = [m for m in modules if m.tree is not None]
    datasets = DatasetTable()
    names = {m.path: Names(m) for m in parsed}
    for module in parsed:
        datasets.add_module(module, names[module.path])
    chosen = [m for m in parsed if dag_modules is None or m.path in dag_modules]
    results = [ModuleReader(module, datasets, names[module.path]).read(tasks) for module in chosen]
    callers = [m for m in chosen if m.path not in ignored]
    for result in results:
        kept = []
        for dag in result.dags:
            count = _factory_calls(callers, names, dag.factory) if dag.factory_uncalled else None
            if count is not None:
                total = (dag.factory_loops or Count(1)).times(count)
                dag.copies = total.value
                dag.copies_estimated = total.estimated
                dag.copies_note = "; ".join(n for n in (f"built by {dag.factory}", total.note) if n)
            if result.path not in ignored or count is not None:
                kept.append(dag)
        result.dags = kept
    subdag_factories = {t.subdag for r in results for d in r.dags for t in d.tasks if t.subdag}
    for result in results:
        for dag in result.dags:
            dag.is_subdag = dag.factory is not None and dag.factory in subdag_factories
    return results
