"""API022: a read of a provider operator's payload dict (``op.json["job_clusters"]``) that the
provider the target pins fills only when the task runs."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import NamedTuple

from migrator.analysis.python import ModuleFacts
from migrator.compat import payload_merges, runtime
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplacePayloadRead
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

_IMPORT = "from airflow.providers.databricks.operators.databricks import DatabricksCreateJobsOperator\n\n"


_CREATE = ('job = DatabricksCreateJobsOperator(task_id="create", name="nightly",\n'
           '                                   job_clusters=[{"job_cluster_key": "main"}])\n')


_HELPER = ("from airflow.providers.databricks.operators.databricks import DatabricksCreateJobsOperator\n\n\n"
           "class CompanyJobsOperator(DatabricksCreateJobsOperator):\n    pass\n")


class PayloadRead(PythonRule):
    """
    ## What it does
    Reports a read of a named argument out of a Databricks operator's `json` payload
    (`op.json["job_clusters"]`, `op.json.get("tasks")`) on an instance the code builds:
    a name or a `self.` attribute assigned the operator's construction, the operator's own
    class or a project subclass of it (followed across modules), where the construction
    passed that argument by name (and not also inside a `json=` dict). Only the targets whose
    constraints pin a provider release with the change are checked.

    ## Why it matters on MWAA
    Up to `apache-airflow-providers-databricks` 7.12.1 (MWAA 2.x), the constructors of
    `DatabricksCreateJobsOperator`, `DatabricksSubmitRunOperator` and `DatabricksRunNowOperator`
    copied each named argument (`job_clusters=`, `tasks=`, `job_id=`, ...) into `op.json`.
    The release MWAA 3.3.1 pins (7.18.1) keeps each argument on its own attribute
    (`op.job_clusters`), leaves `op.json` as passed (`None` when not passed) and merges them
    only in `execute()`. A helper that reads the payload while the DAG file is parsed (to tag
    clusters, to check instance profiles) now fails the file with `KeyError: 'job_clusters'`
    (or `TypeError` when no `json=` was passed).

    ## Example
    ```python
    job = DatabricksCreateJobsOperator(task_id="create", job_clusters=clusters)
    tags = job.json["job_clusters"][0]["new_cluster"]["custom_tags"]
    ```

    ## Fix
    Read the operator's attribute of the same name (`job.job_clusters`), which holds the
    value passed as that argument, or keep the value in a variable of your own and read that.
    `migrator fix --unsafe` (and `migrate`, since the file cannot load without it) makes that
    rewrite. It is unsafe: the attribute holds the value as passed, where the old payload held
    it normalised (numbers as strings), and it does not exist on the provider releases MWAA
    2.x pins, so the file no longer runs there. A `.get` with a default is left to you.

    ## References
    - https://airflow.apache.org/docs/apache-airflow-providers-databricks/stable/operators/jobs_create.html
    - https://airflow.apache.org/docs/apache-airflow-providers-databricks/stable/changelog.html
    """

    id = "API022"
    name = "payload-read-at-parse"
    severity = Severity.ERROR
    summary = "Databricks operator json payload read before execute() merges the named arguments"
    fix_safety = FixSafety.UNSAFE
    # The helper that reads the payload often imports only the project's operator subclass.
    needs_airflow_import = False
    valid = (
        Valid(_IMPORT + _CREATE + 'clusters = job.job_clusters\n'),
        # The provider MWAA 2.11.2 pins still copies the arguments into the payload.
        Valid(_IMPORT + _CREATE + 'clusters = job.json["job_clusters"]\n', target="2.11.2"),
        # A key the operator takes no argument for: the payload holds it as passed.
        Valid(_IMPORT + 'job = DatabricksCreateJobsOperator(task_id="create", json={"parameters": []})\n'
              'parameters = job.json["parameters"]\n'),
        # The json= dict sets the key too: the payload still holds it.
        Valid(_IMPORT + 'job = DatabricksCreateJobsOperator(task_id="create", job_clusters=[],\n'
              '                                   json={"job_clusters": []})\n'
              'clusters = job.json["job_clusters"]\n'),
        # An argument not passed by name was not in the payload on 2.x either.
        Valid(_IMPORT + 'job = DatabricksCreateJobsOperator(task_id="create", json={"parameters": []})\n'
              'tags = job.json.get("tags")\n'),
        # Another object's json attribute (a requests response).
        Valid('import requests\nfrom airflow import DAG\n\nreply = requests.get("https://x")\n'
              'clusters = reply.json["job_clusters"]\n'),
    )
    invalid = (
        Invalid(_IMPORT + _CREATE + 'clusters = job.json["job_clusters"][0]\n', line=5,
                contains="job.job_clusters", fixed=_IMPORT + _CREATE + 'clusters = job.job_clusters[0]\n'),
        Invalid(_IMPORT + _CREATE + 'name = job.json.get("name")\n', line=5, contains="7.18.1",
                fixed=_IMPORT + _CREATE + 'name = job.name\n'),
        # A default keeps .get() from raising but hides the change: reported, left to you.
        Invalid(_IMPORT + _CREATE + 'clusters = job.json.get("job_clusters", [])\n', line=5,
                contains="answers None or its default"),
        # A helper class holding the operator built from a project subclass in another module.
        Invalid('from company.jobs import CompanyJobsOperator\n\n\n'
                'class Workflow:\n    def __init__(self, clusters):\n'
                '        self.job_op = CompanyJobsOperator(task_id="create", job_clusters=clusters)\n'
                '        for spec in self.job_op.json["job_clusters"]:\n            print(spec)\n',
                path="dags/workflow.py", files={"dags/company/__init__.py": "", "dags/company/jobs.py": _HELPER},
                line=7, contains="self.job_op.job_clusters",
                fixed='from company.jobs import CompanyJobsOperator\n\n\n'
                      'class Workflow:\n    def __init__(self, clusters):\n'
                      '        self.job_op = CompanyJobsOperator(task_id="create", job_clusters=clusters)\n'
                      '        for spec in self.job_op.job_clusters:\n            print(spec)\n'),
        Invalid('from airflow.providers.databricks.operators.databricks import DatabricksRunNowOperator\n\n'
                'run = DatabricksRunNowOperator(task_id="run", job_id=42)\njob = run.json["job_id"]\n',
                line=4, contains="job_id"),
        # A function the DAG file calls while parsed, reading a module-level operator.
        Invalid(_IMPORT + _CREATE + '\n\ndef cluster_keys():\n'
                '    return [c["job_cluster_key"] for c in job.json["job_clusters"]]\n', line=8),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        image = runtime(ctx.target)
        if module.tree is None or image is None:
            return
        reads = list(_payload_reads(module))
        if not reads:
            return
        pins = {**image.constraints, **image.essential}
        changed = {name: (merge, arguments) for merge in payload_merges(pins)
                   for name, arguments in merge.operators.items()}
        if not changed:
            return
        subclasses = dict(ctx.index.payload_operators)
        prefix = f"{module.module_name}." if module.module_name else ""
        own = {node.name for node in module.tree.body if isinstance(node, ast.ClassDef)}

        def operator_of(value: ast.expr) -> _Built | None:
            if not isinstance(value, ast.Call):
                return None
            func = value.func
            name = (prefix + func.id if isinstance(func, ast.Name) and func.id in own
                    else module.qualname(func))
            name = name if name in changed else subclasses.get(name or "")
            # Only an argument passed by name is known to be missing from the payload now; one
            # the json= dict also sets is still there.
            payload = next((k.value for k in value.keywords if k.arg == "json"), None)
            in_payload = ({k.value for k in payload.keys if isinstance(k, ast.Constant)}
                          if isinstance(payload, ast.Dict) else set())
            passed = frozenset(k.arg for k in value.keywords if k.arg and k.arg not in in_payload)
            return _Built(name, passed) if name in changed else None

        places = _Places(module)
        instances = places.instances(operator_of)
        for read, holder, key in reads:
            built = places.find(instances, read, holder.value)
            if built is None:
                continue
            operator = built.operator
            merge, arguments = changed[operator]
            if key not in arguments or key not in built.passed or holder.attr != merge.payload_attribute:
                continue
            owner = ast.unparse(holder.value)
            short = operator.rsplit(".", 1)[-1]
            payload = merge.payload_attribute
            # A .get() does not raise: it answers None (or its default) now, silently.
            with_default = isinstance(read, ast.Call) and len(read.args) > 1
            effect = (f"{payload}.get({key!r}) answers None or its default instead of the argument"
                      if isinstance(read, ast.Call) else f"the read fails the file (KeyError: {key!r})")
            fix = None if with_default else ReplacePayloadRead(
                safety=FixSafety.UNSAFE, description=f"read {owner}.{key}", required=True, attribute=payload, key=key)
            yield self.at_node(
                module, read,
                f"{owner}.{payload}[{key!r}] of a {short} is read while the DAG file is parsed, but "
                f"{merge.distribution} {pins[merge.distribution]} (the target's constraints) puts the named "
                f"arguments into {payload} only in execute(): {effect}; read {owner}.{key} (the value passed "
                f"as {key}=) instead", fix=fix)


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


class _Built(NamedTuple):
    operator: str  # the provider operator (the class built, or the one it derives from)
    passed: frozenset[str]  # the arguments given by name, not also set in a json= dict


class _Places:
    """Where a module keeps the operators it builds: a name assigned in a function or at module
    level, or a ``self.x`` assigned in a method of a class."""

    def __init__(self, module: ModuleFacts) -> None:
        self.module = module
        self.parents = module.parents

    def _enclosing(self, node: ast.AST, kinds: tuple[type, ...]) -> ast.AST | None:
        node = self.parents.get(node)
        while node is not None and not isinstance(node, kinds):
            node = self.parents.get(node)
        return node

    def _key(self, at: ast.AST, expr: ast.expr) -> tuple | None:
        if isinstance(expr, ast.Name):
            return ("name", self._enclosing(at, _FUNCTIONS), expr.id)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
            return ("self", self._enclosing(at, (ast.ClassDef,)), expr.attr)
        return None

    def instances(self, operator_of: Callable[[ast.expr], _Built | None]) -> dict[tuple, _Built]:
        """Each place assigned an operator's construction -> what was built."""
        found = {}
        for node in self.module.nodes_of(ast.Assign, ast.AnnAssign):
            if node.value is not None:
                operator = operator_of(node.value)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for key in (self._key(node, target) for target in targets) if operator else ():
                    if key is not None:
                        found[key] = operator
        return found

    def find(self, instances: dict[tuple, _Built], at: ast.AST, expr: ast.expr) -> _Built | None:
        """The operator ``expr``, read at ``at``, holds: a name of the enclosing function, else
        of the module."""
        key = self._key(at, expr)
        if key is None:
            return None
        return instances.get(key) or (instances.get(("name", None, key[2])) if key[0] == "name" else None)


def _payload_reads(module: ModuleFacts) -> Iterator[tuple[ast.expr, ast.Attribute, str]]:
    """``x.attr["key"]`` and ``x.attr.get("key", ...)`` read (not assigned): the read, ``x.attr``
    and the key."""
    for node in module.nodes_of(ast.Subscript, ast.Call):
        if (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Attribute)
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
            yield node, node.value, node.slice.value
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and isinstance(node.func.value, ast.Attribute) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node, node.func.value, node.args[0].value
