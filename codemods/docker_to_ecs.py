"""``docker-to-ecs``: a DockerOperator task becomes an EcsRunTaskOperator task on ECS Fargate.

Params (from ``migrator.aws_native.docker_task``, through rule MWA001): ``old`` (the class the
call names), ``family`` (the task definition and container named after the image), ``command``
(the argument list of a command written as a string; absent: the command's code is kept),
``size`` (the Fargate ``(cpu, memory)`` for ``cpus``/``mem_limit``) and ``drop`` (Docker-only
arguments to leave out). The cluster, launch type, network Variables and CloudWatch log names
are the conventions in ``compat.aws_native``, shared with the generated infrastructure.

``image=`` is replaced, in its place, by ``cluster``, ``task_definition``, ``launch_type``,
``overrides`` (the container's command and environment, the task size),
``network_configuration`` and ``awslogs_group``/``awslogs_stream_prefix``; ``command``,
``environment``, ``private_environment``, ``cpus`` and ``mem_limit`` move into ``overrides``
(a templated field of EcsRunTaskOperator, so Jinja in them still renders). Every other
argument, the task's variable, its dependencies and comments outside the moved arguments stay.
The DockerOperator import goes once nothing uses it. ``rewrite`` is shared with ``pod-to-ecs``,
which fills the container override from a pod spec instead.

Unsafe: the task then runs on ECS, which needs the task definition, cluster, network and
Variables to exist, and behaves differently (no host files, Fargate sizes, logs in CloudWatch).
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from migrator.compat.aws_native import docker_to_ecs

from migrator.findings import FixSafety
from migrator.fixes import DockerToEcs

from ._core import CannotFix, Edit
from ._helpers import preferred_quote
from ._planner import Planner
from .replace_class import replace_callee

SAFETY = FixSafety.UNSAFE
RATIONALE = "the task moves to ECS Fargate, which needs the generated infrastructure and runs without the Docker host"
# ``migrate --aws-native`` applies this kind without ``--unsafe``.
AWS_NATIVE = True

# A rendering longer than this (from its column) gets one entry a line.
MAX_LINE = 99
_ENVIRONMENT_ARGUMENTS = ("environment", "private_environment")
_MOVED = ("command", *_ENVIRONMENT_ARGUMENTS, "cpus", "mem_limit")
# (params, the call's arguments by name, planner, string quoter) -> the container override's
# entries besides its name, each a code string, a list or dict of them, or ``_Moved`` code.
Container = Callable[..., dict[str, object]]


def plan(edit: Edit, planner: Planner) -> None:
    rewrite(edit, planner, _MOVED, _container)


def rewrite(edit: Edit, planner: Planner, moved: tuple[str, ...], container: Container) -> None:
    """Stage the call's rewrite to EcsRunTaskOperator: ``image=`` replaced by the ECS arguments
    with the container's entries from ``container``, the ``moved`` arguments and the params'
    ``drop`` left out. Shared by the Docker and pod rewrites."""
    params = edit.fix
    old, family = params.old, params.family
    calls = [c for c in planner.at(edit.location, cst.Call) if old in planner.qualnames(c.func)]
    call = planner.locate(edit.location, calls, f"call of {old.rpartition('.')[2]}")
    if any(a.keyword is None for a in call.args):
        raise CannotFix("positional arguments or **kwargs in the call")
    arguments = {a.keyword.value: a for a in call.args}
    if "image" not in arguments:
        raise CannotFix("the call has no image= argument")
    # New lines inside brackets are written relative to the statement's block: LibCST adds
    # the block's indentation when it writes them.
    statement = next(a for a in planner.ancestors(call)
                     if isinstance(a, (cst.SimpleStatementLine, cst.BaseCompoundStatement)))
    image_line = _line_before(planner, arguments["image"])
    indent = image_line[len(_line_before(planner, statement)):]
    # The new arguments get lines of their own when image= has one.
    renderer = _Renderer(preferred_quote(planner), multiline=not image_line.strip(), arguments_indent=indent)
    entries = {"name": renderer.string(family), **container(params, arguments, planner, renderer.string)}
    new_arguments = [(name, renderer.render(value, indent, len(indent) + len(name) + 1))
                     for name, value in _ecs_arguments(params, entries, renderer.string)]
    try:
        expressions = [(name, cst.parse_expression(code)) for name, code in new_arguments]
    except cst.ParserSyntaxError:
        raise CannotFix("the new arguments do not parse") from None
    removed = {*moved, *params.drop}
    replace_callee(planner, call.func, docker_to_ecs().replacement)
    planner.forget_binding_of(call.func)
    # Tagged with the arguments it writes: an import only the moved arguments named (a Kubernetes
    # model) goes when nothing else uses it.
    written = ", ".join([*(f"{name}={code}" for name, code in new_arguments),
                         *(planner.code(a) for name, a in arguments.items() if name != "image" and name not in removed)])
    planner.replace(call, ("expr", f"({written})"),
                    lambda node, e=tuple(expressions), r=frozenset(removed): _rebuild(node, e, r))


def _container(params: DockerToEcs, arguments: dict[str, cst.Arg], planner: Planner, string) -> dict[str, object]:
    """The container override's command and environment from the Docker arguments."""
    container: dict[str, object] = {}
    command = params.command
    if command is not None:
        container["command"] = [string(word) for word in command]
    elif "command" in arguments:
        container["command"] = _Moved(planner.code(arguments["command"].value))
    environment = _environment([arguments[n].value for n in _ENVIRONMENT_ARGUMENTS if n in arguments],
                               planner, string)
    if environment is not None:
        container["environment"] = environment
    return container


def _ecs_arguments(params: DockerToEcs, container: dict[str, object], string):
    facts = docker_to_ecs()
    family = params.family
    overrides: dict[str, object] = {string("containerOverrides"): [_keyed(container, string)]}
    size = params.size
    if size:
        overrides[string("cpu")], overrides[string("memory")] = string(str(size[0])), string(str(size[1]))
    network = {string("awsvpcConfiguration"): {
        string("subnets"): [string(_variable(v)) for v in facts.subnet_variables],
        string("securityGroups"): [string(_variable(v)) for v in facts.security_group_variables],
        string("assignPublicIp"): string(facts.assign_public_ip),
    }}
    return [("cluster", string(facts.cluster)), ("task_definition", string(family)),
            ("launch_type", string(facts.launch_type)), ("overrides", overrides),
            ("network_configuration", network), ("awslogs_group", string(facts.log_group_prefix + family)),
            ("awslogs_stream_prefix", string(f"{facts.log_stream_prefix}/{family}"))]


def _line_before(planner: Planner, node: cst.CSTNode) -> str:
    """The text of the node's first line before it."""
    (line, column), _ = planner.layout.position(node)
    return planner.command.source.splitlines()[line - 1][:column]


def _variable(name: str) -> str:
    """A Jinja read of an Airflow Variable when the task runs."""
    return "{{ var.value." + name + " }}"


def _keyed(entries: dict[str, object], string) -> dict[str, object]:
    return {string(key): value for key, value in entries.items()}


def _environment(values: list[cst.BaseExpression], planner: Planner, string) -> object | None:
    """ECS's ``[{"name": ..., "value": ...}]`` list for the Docker environment dicts: written out
    for dict literals with string keys, else built from the dicts when the task is created."""
    if not values:
        return None
    entries: list[object] = []
    for value in values:
        if not isinstance(value, cst.Dict) or not all(
                isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) for e in value.elements):
            merged = (_operand(values[0], planner) if len(values) == 1
                      else "{" + ", ".join(_dict_items_code(v, planner) for v in values) + "}")
            return _Moved(f"[{{{string('name')}: name, {string('value')}: value}} "
                          f"for name, value in {merged}.items()]")
        entries += [{string("name"): planner.code(e.key), string("value"): _Moved(planner.code(e.value))}
                    for e in value.elements]
    return entries


def _operand(value: cst.BaseExpression, planner: Planner) -> str:
    """The code of ``value`` to call a method on: parenthesized unless it is an atom."""
    code = planner.code(value)
    return code if isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Dict)) else f"({code})"


def _dict_items_code(value: cst.BaseExpression, planner: Planner) -> str:
    """What ``value`` adds to a merged dict display: a literal's own entries, else ``**value``."""
    if isinstance(value, cst.Dict):
        return ", ".join(planner.code(e.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for e in value.elements)
    return f"**{planner.code(value)}"


def _rebuild(call: cst.Call, new: tuple[tuple[str, cst.BaseExpression], ...], removed: frozenset[str]) -> cst.Call:
    """The call's arguments with ``image=`` replaced by ``new`` and ``removed`` left out; the last
    one keeps the original last argument's ending (trailing comma, closing-paren layout)."""
    original = list(call.args)
    image = next(a for a in original if a.keyword.value == "image")
    separator = (_without_comment(image.comma) if isinstance(image.comma, cst.Comma)
                 else next((a.comma for a in original if isinstance(a.comma, cst.Comma)),
                           cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))))
    args: list[cst.Arg] = []
    for argument in original:
        name = argument.keyword.value
        if name == "image":  # its comment stays with the argument that names the image now
            args += [cst.Arg(value=value, keyword=cst.Name(keyword), equal=image.equal,
                             comma=image.comma if keyword == "task_definition" and isinstance(image.comma, cst.Comma)
                             else separator)
                     for keyword, value in new]
        elif name not in removed:
            args.append(argument.with_changes(comma=argument.comma if isinstance(argument.comma, cst.Comma)
                                              else separator))
    last = original[-1]
    args[-1] = args[-1].with_changes(comma=last.comma, whitespace_after_arg=last.whitespace_after_arg)
    return call.with_changes(args=args)


def _without_comment(comma: cst.Comma) -> cst.Comma:
    after = comma.whitespace_after
    if isinstance(after, cst.ParenthesizedWhitespace) and after.first_line.comment is not None:
        return comma.with_changes(whitespace_after=after.with_changes(
            first_line=cst.TrailingWhitespace(newline=after.first_line.newline)))
    return comma


class _Moved(str):
    """Code of the call's arguments moved into the new ones: its continuation lines were
    indented for the call's arguments."""


class _Renderer:
    """New code for nested dicts and lists whose leaves are code: flat when it fits, else one
    entry a line (in a call laid out that way)."""

    def __init__(self, quote: str, multiline: bool, arguments_indent: str) -> None:
        self.quote, self.multiline, self.arguments_indent = quote, multiline, arguments_indent

    def string(self, text: str) -> str:
        return self.quote + text.replace("\\", "\\\\").replace(self.quote, "\\" + self.quote) + self.quote

    def render(self, value: object, indent: str, column: int) -> str:
        if isinstance(value, _Moved):
            return self.moved(value, indent)
        if isinstance(value, str):
            return value
        inner = indent + "    "
        if isinstance(value, dict):
            opening, closing = "{", "}"
            parts = [(f"{key}: ", child) for key, child in value.items()]
        else:
            opening, closing = "[", "]"
            parts = [("", child) for child in value]
        flat = opening + ", ".join(label + self.render(child, inner, 0) for label, child in parts) + closing
        # A list of plain values (a command) reads best on one line, however long.
        plain = isinstance(value, list) and all(isinstance(child, str) for child in value)
        if not self.multiline or plain or (column + len(flat) <= MAX_LINE and "\n" not in flat):
            return flat
        lines = [f"{inner}{label}{self.render(child, inner, len(inner) + len(label))},"
                 for label, child in parts]
        return opening + "\n" + "\n".join(lines) + "\n" + indent + closing

    def moved(self, code: _Moved, indent: str) -> str:
        """``code`` with its continuation lines indented for the line it now starts on (a
        multi-line string's lines are left as they are)."""
        if '"""' in code or "'''" in code:
            return str(code)
        lines = code.split("\n")
        return "\n".join([lines[0], *(indent + line[len(self.arguments_indent):]
                                      if line.startswith(self.arguments_indent) else line for line in lines[1:])])
