"""``kubernetes-object``: build the Kubernetes client model that replaced one of Airflow's pod
objects, from the same values.

Airflow 1.10/2.x's ``Volume``, ``VolumeMount``, ``Port``, ``Resources`` and ``PodRuntimeInfoEnv``
turned their parameters into a client model (``to_k8s_client_obj``) for the pod operator; the
cncf-kubernetes provider takes the model itself and no longer ships the classes. Two shapes:

- a construction, ``VolumeMount("x", mount_path="/m", sub_path=None, read_only=True)`` ->
  ``V1VolumeMount(name="x", mount_path="/m", read_only=True)``. Params: ``old`` (the class the
  call names), ``new`` (the model's dotted path), ``parameters`` (the old constructor's, in
  order), ``fields`` (``(parameter, steps)``: where each value goes in the model), and for
  ``Volume`` ``expand``/``expand_spec``: the parameter whose dict keys are the model's JSON keys,
  with how each value converts (``Volume(name="x", configs={"persistentVolumeClaim":
  {"claimName": "c"}})`` -> ``V1Volume(name="x", persistent_volume_claim=
  V1PersistentVolumeClaimVolumeSource(claim_name="c"))``);
- an operator argument whose dict held those parameters, ``resources={"limit_cpu": "1"}`` ->
  ``container_resources=V1ResourceRequirements(limits={"cpu": "1"})``. Params: ``argument``,
  ``new_argument``, ``value`` (``"dict"``: convert the dict; ``"object"``: the value is a
  construction another edit converts, only the keyword changes) and the conversion above.

``values_at`` (a location) points at the dict literal when the call names it through a
module-level variable the rule found bound once and read only there. A step of ``steps`` is
``(name, container)``: the container is a model class, ``"dict"`` (the next step is a key of
that dict) or ``""``. A spec is ``None`` (keep the value's code: Airflow set it as it was),
``("model", class, ((json key, attribute, spec), ...))`` or ``("list", (spec, ...))``.

A literal ``None`` is left out: the model's fields default to None, and ``Resources`` dropped
unset values. The model classes are reached through the file's import of
``kubernetes.client.models`` or ``kubernetes.client`` when it has one (``k8s.V1Volume``), else
through a new ``from kubernetes import client`` (``client.V1Volume``, as the client's own docs
write it), else imported by name.

Safe: the model holds what Airflow's class put in it, and the typed sources serialize to the
same pod spec as the camelCase dicts Airflow copied. The rule gives the fix as unsafe where a
resource value is only known at run time (Airflow left an empty one out; the rewrite keeps it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from migrator.findings import FixSafety, Location
from migrator.fixes import ReplaceKubernetesObject

from ._core import CannotFix, Edit
from ._helpers import locate_argument, preferred_quote
from ._nodes import string_value
from ._planner import Planner
from .rename_argument import rename_argument

SAFETY = FixSafety.SAFE
RATIONALE = "the new code builds the model Airflow's own class built (to_k8s_client_obj) from the same values"

MODELS = "kubernetes.client.models"
_MODULE_ALIASES = (MODELS, "kubernetes.client")
# A rendering of two or more arguments longer than this (from its column) gets one argument a line.
MAX_LINE = 99


@dataclass
class _Model:
    name: str
    fields: dict[str, object] = field(default_factory=dict)  # attribute -> _Model | _Dict | _List | code


@dataclass
class _Dict:
    entries: dict[str, object] = field(default_factory=dict)  # key -> code


@dataclass
class _List:
    items: list[object]


def plan(edit: Edit, planner: Planner) -> None:
    params = edit.fix
    new, old = params.new, params.old
    if not new or not new.startswith(MODELS + "."):
        raise CannotFix(f"{new!r} is not a class of {MODELS}")
    if params.argument:
        _plan_argument(edit, planner, new)
        return
    calls = [c for c in planner.at(edit.location, cst.Call) if old in planner.qualnames(c.func)]
    call = planner.locate(edit.location, calls, f"construction of {old.rpartition('.')[2]}")
    values = _bind(call, tuple(params.parameters or ()))
    model = _model(new, values, params, planner)
    _replace(planner, call, model)
    planner.forget_binding_of(call.func)


def _plan_argument(edit: Edit, planner: Planner, new: str) -> None:
    params = edit.fix
    argument, new_argument = params.argument, params.new_argument
    node = locate_argument(planner, edit, argument)
    if not isinstance(node, cst.Arg):
        raise CannotFix(f"{argument} is not a keyword argument of the call here")
    if params.value == "dict":
        values = _dict_values(_literal(node.value, params, planner), tuple(params.parameters or ()))
        _replace(planner, node.value, _model(new, values, params, planner))
    rename_argument(planner, node, new_argument)


def _literal(value: cst.BaseExpression, params: ReplaceKubernetesObject, planner: Planner) -> cst.Dict:
    """The dict literal the fix reads: the value itself, or the module-level one it names."""
    at = params.values_at
    if at:
        value = planner.locate(Location(*at), planner.nodes(cst.Dict), "dict the variable is bound to")
    if not isinstance(value, cst.Dict):
        raise CannotFix("the value is not a dict literal")
    return value


def _bind(call: cst.Call, parameters: tuple[str, ...]) -> dict[str, cst.BaseExpression]:
    bound: dict[str, cst.BaseExpression] = {}
    for index, argument in enumerate(call.args):
        if argument.star:
            raise CannotFix("*args/**kwargs in the call; build the object by hand")
        name = argument.keyword.value if argument.keyword is not None else (
            parameters[index] if index < len(parameters) else None)
        if name is None or name not in parameters or name in bound:
            raise CannotFix(f"unexpected argument {name or index + 1!r}")
        bound[name] = argument.value
    return bound


def _dict_values(literal: cst.Dict, parameters: tuple[str, ...]) -> dict[str, cst.BaseExpression]:
    values = {}
    for element in literal.elements:
        key = string_value(element.key) if isinstance(element, cst.DictElement) else None
        if key is None or key not in parameters:
            raise CannotFix(f"the dict has an entry that is not one of {', '.join(parameters)}")
        values[key] = element.value
    return values


def _model(new: str, values: dict[str, cst.BaseExpression], params: ReplaceKubernetesObject,
           planner: Planner) -> _Model:
    root = _Model(new.rpartition(".")[2])
    fields = {name: steps for name, steps in params.fields or ()}
    expand = params.expand
    for name, value in values.items():
        if name == expand:
            spec = ("model", root.name, tuple(params.expand_spec or ()))
            _fill(root, _literal(value, params, planner), spec, planner)
        elif name not in fields:
            raise CannotFix(f"the fix data does not say where {name} goes")
        elif not _is_none(value):
            _place(root, fields[name], planner.code(value))
    return root


def _place(root: _Model, steps, code: str) -> None:
    """Put ``code`` at the end of ``steps`` (``(name, container)`` pairs) below ``root``."""
    holder: _Model | _Dict = root
    for index, (name, container) in enumerate(steps):
        last = index == len(steps) - 1
        children = holder.fields if isinstance(holder, _Model) else holder.entries
        if last:
            children[name] = code
        else:
            holder = children.setdefault(name, _Dict() if container == "dict" else _Model(container))


def _fill(model: _Model, literal: cst.Dict, spec, planner: Planner) -> None:
    """Set the fields of ``model`` from a dict literal whose keys are its JSON keys."""
    entries = {key: (attribute, child) for key, attribute, child in spec[2]}
    for element in literal.elements:
        key = string_value(element.key) if isinstance(element, cst.DictElement) else None
        if key not in entries:
            raise CannotFix(f"the dict changed since the scan: {key!r} is not a field of {model.name}")
        attribute, child = entries[key]
        if not _is_none(element.value):
            model.fields[attribute] = _convert(element.value, child, planner)


def _convert(value: cst.BaseExpression, spec, planner: Planner) -> object:
    if spec is None:
        return planner.code(value)
    if spec[0] == "model" and isinstance(value, cst.Dict):
        child = _Model(spec[1])
        _fill(child, value, spec, planner)
        return child
    if spec[0] == "list" and isinstance(value, (cst.List, cst.Tuple)) and len(value.elements) == len(spec[1]):
        return _List([_convert(element.value, item, planner) for element, item in zip(value.elements, spec[1])])
    raise CannotFix("the value changed since the scan")


def _is_none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


def _replace(planner: Planner, node: cst.BaseExpression, model: _Model) -> None:
    (line, column), (end_line, _) = planner.layout.position(node)
    indent = _indentation(planner.command.source, line)
    text = _Renderer(planner, node, preferred_quote(planner)).render(model, indent, column,
                                                                   force_lines=end_line > line)
    try:
        expression = cst.parse_expression(text)
    except cst.ParserSyntaxError:
        raise CannotFix("the new expression does not parse") from None
    planner.replace(node, ("expr", text), lambda n, e=expression: e.with_changes(lpar=n.lpar, rpar=n.rpar))


def _indentation(source: str, line: int) -> str:
    text = source.splitlines()[line - 1] if line <= len(source.splitlines()) else ""
    return text[:len(text) - len(text.lstrip())]


class _Renderer:
    def __init__(self, planner: Planner, at: cst.CSTNode, quote: str) -> None:
        self.planner, self.at, self.quote = planner, at, quote
        self.prefix: str | None = None

    def render(self, value: object, indent: str, column: int, force_lines: bool = False) -> str:
        if isinstance(value, str):
            return value
        inner = indent + "    "
        if isinstance(value, _Model):
            opening, closing = self.reference(value.name) + "(", ")"
            parts = [(f"{name}=", child) for name, child in value.fields.items()]
        elif isinstance(value, _Dict):
            opening, closing = "{", "}"
            parts = [(f"{self.string(key)}: ", child) for key, child in value.entries.items()]
        else:
            opening, closing = "[", "]"
            parts = [("", item) for item in value.items]
        flat = opening + ", ".join(label + self.render(child, inner, 0) for label, child in parts) + closing
        fits = column + len(flat) <= MAX_LINE and "\n" not in flat
        if len(parts) < 2 or (fits and not force_lines):
            return flat
        lines = [f"{inner}{label}{self.render(child, inner, len(inner) + len(label))}," for label, child in parts]
        return opening + "\n" + "\n".join(lines) + "\n" + indent + closing

    def reference(self, model: str) -> str:
        if self.prefix is None:
            self.prefix = self._module_prefix()
        if self.prefix:
            return self.prefix + model
        expression = self.planner.reference_to(f"{MODELS}.{model}", self.at)
        return cst.Module([]).code_for_node(expression)

    def _module_prefix(self) -> str:
        """``k8s.`` when the file imports the models module (or ``kubernetes.client``) under
        some name; else ``client.`` from a new ``from kubernetes import client`` when that name
        is free; else "" (each model imported by name)."""
        planner = self.planner
        bindings = {**planner.module_imports(), **planner.planned_bindings}
        for local, bound in bindings.items():
            if bound in _MODULE_ALIASES and not planner.shadowed(local, self.at):
                return f"{local}."
        if "client" in planner.all_names():
            return ""
        planner.add_import("kubernetes", "client")
        planner.stage_binding("client", "kubernetes.client")
        return "client."

    def string(self, text: str) -> str:
        return self.quote + text.replace("\\", "\\\\").replace(self.quote, "\\" + self.quote) + self.quote
