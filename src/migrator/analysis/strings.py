"""String values known without running the code, and what they point at (paths, hosts).

DAG code builds commands, paths and URLs from literals: ``SPARK_DIR + "/job.py"``,
``f"{ROOT}/{{{{ ds }}}}"``, ``"{}/x.csv".format(REPORT_DIR)``, ``os.path.join(BASE, "in")``.
``static_string`` evaluates such expressions as far as literals and module-level constants allow;
every character keeps the literal it came from, so a finding can point at the literal a user has
to edit (often a constant defined once at the top of the file), not at the expression using it.
"""

from __future__ import annotations

import ast
import ipaddress
import re
import string
from dataclasses import dataclass

from migrator.analysis.literals import UNKNOWN
from migrator.analysis.parsed_module import ParsedModule

_MAX_DEPTH = 8


@dataclass(frozen=True)
class Piece:
    text: str
    node: ast.AST | None  # the literal this text comes from; None when UNKNOWN


@dataclass(frozen=True)
class StaticString:
    pieces: tuple[Piece, ...]

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces)

    def origin(self, offset: int) -> tuple[ast.AST | None, int]:
        """The literal holding character ``offset`` of ``text``, and the offset inside it."""
        position = 0
        for piece in self.pieces:
            if position <= offset < position + len(piece.text):
                return piece.node, offset - position
            position += len(piece.text)
        return None, 0

    @property
    def literals(self) -> list[ast.AST]:
        seen: list[ast.AST] = []
        for piece in self.pieces:
            if piece.node is not None and piece.node not in seen:
                seen.append(piece.node)
        return seen

    def __add__(self, other: StaticString) -> StaticString:
        return StaticString(self.pieces + other.pieces)


def _unknown() -> StaticString:
    return StaticString((Piece(UNKNOWN, None),))


def _literal(text: str, node: ast.AST) -> StaticString:
    return StaticString((Piece(text, node),))


def static_string(module: ParsedModule, node: ast.AST | None, _depth: int = 0) -> StaticString | None:
    """The value of a string expression, with unknown parts as ``UNKNOWN``; None if not a string."""
    if node is None or _depth > _MAX_DEPTH:
        return None
    depth = _depth + 1
    if isinstance(node, ast.Constant):
        return _literal(node.value, node) if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr):
        result = StaticString(())
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                # Python 3.11 gives f-string parts the position of the whole f-string.
                result = result + _literal(value.value, node)
            elif isinstance(value, ast.FormattedValue):
                inner = static_string(module, value.value, depth) if value.format_spec is None else None
                result = result + (inner or _unknown())
        return result
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add):
            left = static_string(module, node.left, depth)
            right = static_string(module, node.right, depth)
            if left is None and right is None:
                return None
            return (left or _unknown()) + (right or _unknown())
        if isinstance(node.op, ast.Mod):
            return static_string(module, node.left, depth)
        if isinstance(node.op, ast.Div) and _is_path_expression(module, node.left):
            left = static_string(module, node.left, depth)
            right = static_string(module, node.right, depth)
            if left is None:
                return None
            return left + StaticString((Piece("/", None),)) + (right or _unknown())
        return None
    if isinstance(node, ast.Name):
        return static_string(module, name_value(module, node), depth)
    if isinstance(node, ast.Call):
        return _call_string(module, node, depth)
    return None


def name_value(module: ParsedModule, name: ast.Name) -> ast.expr | None:
    """The expression a name stands for when it is assigned once: in the function using it,
    else at module level. None for parameters, reassigned names and unknown names."""
    function = module.executing_function(name)
    if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        local = module.scope_constants(function)
        if name.id in local:
            return local[name.id]
        if name.id in module.scope_rebound(function):
            return None
    return module.constants.get(name.id)


def _call_string(module: ParsedModule, call: ast.Call, depth: int) -> StaticString | None:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "format":
        receiver = static_string(module, func.value, depth)
        if receiver is None:
            return None
        return _format(module, receiver, call, depth)
    qualname = module.qualname(func)
    if qualname in ("os.path.join", "posixpath.join") or _is_path_constructor(qualname):
        parts = [static_string(module, arg, depth) for arg in call.args]
        if not parts or parts[0] is None:
            return None
        result = parts[0]
        for part in parts[1:]:
            result = result + StaticString((Piece("/", None),)) + (part or _unknown())
        return result
    return None


def _format(module: ParsedModule, receiver: StaticString, call: ast.Call, depth: int) -> StaticString:
    """``"{}/{name}".format(a, name=b)`` with each field replaced by its argument's value."""
    if len(receiver.literals) != 1 or UNKNOWN in receiver.text:
        return receiver
    node = receiver.literals[0]
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    result = StaticString(())
    auto = 0
    try:
        parsed = list(string.Formatter().parse(receiver.text))
    except ValueError:
        return receiver
    for literal_text, field, _spec, _conversion in parsed:
        if literal_text:
            result = result + _literal(literal_text, node)
        if field is None:
            continue
        base = re.split(r"[.\[]", field, maxsplit=1)[0]
        argument: ast.AST | None = None
        if base == "":
            argument = call.args[auto] if auto < len(call.args) else None
            auto += 1
        elif base.isdigit():
            index = int(base)
            argument = call.args[index] if index < len(call.args) else None
        else:
            argument = keywords.get(base)
        value = static_string(module, argument, depth) if argument is not None and base == field else None
        result = result + (value or _unknown())
    return result


def _is_path_constructor(qualname: str | None) -> bool:
    return qualname is not None and qualname.startswith("pathlib.") and qualname.endswith("Path")


def _is_path_expression(module: ParsedModule, node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        return _is_path_constructor(module.qualname(node.func))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return _is_path_expression(module, node.left)
    return False


# -- what strings point at ------------------------------------------------------------------------

# Scheme length capped (RFC 3986 has no limit; real ones are short): uncapped, every letter of a
# long "a.a.a..." run would start a scan to its end.
_URL = re.compile(r"\b([a-z][a-z0-9+.-]{0,31}):/{2,3}", re.IGNORECASE)
_IPV4 = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.]*\w)")
_HOSTNAME = re.compile(r"(?<![\w.-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*|localhost)"
                       r"(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class HostReference:
    host: str
    start: int
    end: int
    kind: str  # loopback | docker-host | private-ip | internal-name


# Private address ranges a company network uses (RFC 1918, RFC 6598 shared address space);
# ipaddress' is_private also covers documentation and reserved ranges, which are no one's hosts.
_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in
                          ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fd00::/8"))


def host_kind(host: str, internal_suffixes: tuple[str, ...], cloud_suffixes: tuple[str, ...]) -> str | None:
    lowered = host.lower().rstrip(".")
    if lowered in ("localhost", "localhost.localdomain") or lowered.endswith(".localhost"):
        return "loopback"
    if lowered in ("host.docker.internal", "gateway.docker.internal"):
        return "docker-host"
    try:
        address = ipaddress.ip_address(lowered)
    except ValueError:
        if any(lowered.endswith(s) for s in cloud_suffixes):
            return None
        return "internal-name" if any(lowered.endswith(s) for s in internal_suffixes) else None
    if address.is_loopback:
        return "loopback"
    if any(address in network for network in _PRIVATE_NETWORKS):
        return "private-ip"
    return None


def host_references(text: str, internal_suffixes: tuple[str, ...],
                    cloud_suffixes: tuple[str, ...] = ()) -> list[HostReference]:
    """Hosts in ``text`` that an MWAA environment cannot reach as they are.

    E-mail addresses and Kerberos principals (``name@REALM``) are not connections and are
    skipped; so are parts of a path (``/a/b.local``).
    """
    found: list[HostReference] = []
    taken: set[int] = set()
    for pattern in (_IPV4, _HOSTNAME):
        for match in pattern.finditer(text):
            host = match.group(1)
            start = match.start(1)
            if start in taken or _inside_path(text, start) or (pattern is _HOSTNAME and _inside_email(text, start)):
                continue
            if pattern is _IPV4 and not all(0 <= int(p) <= 255 for p in host.split(".")):
                continue
            kind = host_kind(host, internal_suffixes, cloud_suffixes)
            if kind == "private-ip" and (host.rsplit(".", 1)[-1] in ("0", "255") or
                                         text[start + len(host):start + len(host) + 1] == "/"):
                continue  # a network, a broadcast address or a CIDR block, not a host
            if kind == "internal-name" and host.count(".") < 2 and not _connection_context(text, start, host):
                continue  # "threading.local": two labels alone are more often a dotted name
            if kind:
                taken.add(start)
                found.append(HostReference(host, start, start + len(host), kind))
    return sorted(found, key=lambda h: h.start)


def _connection_context(text: str, start: int, host: str) -> bool:
    """A URL, ``user@host`` or ``host:port`` around the name: it is used as a host."""
    before, after = text[:start], text[start + len(host):]
    return before.endswith(("://", "@")) or bool(re.match(r":\d", after))


def _inside_path(text: str, start: int) -> bool:
    """``/srv/app.local/x``: a name after a single slash is a path segment, not a host."""
    return text[:start].endswith("/") and not text[:start].endswith("//")


def _inside_email(text: str, start: int) -> bool:
    before = text[:start]
    return before.endswith("@") and not re.search(r"://[^\s/@]*@$", before)


# An absolute POSIX path starting a token: "/segment..." (Jinja blocks may sit inside segments).
# A slash after a word character, "}", "$", "%" or ")" continues something else (a URL,
# "${DIR}/x", "{{ dag.folder }}/x", "%s/x", "$(pwd)/x"), so it does not start an absolute path;
# nor does one after a closing quote ('"${ROOT_DIR}"/x.py': the quote closes the word's start).
_ABSOLUTE_PATH = re.compile(
    r"(?<![\w:/.~}$%)\-\ufffc])"
    r"""(?<![^\s=:(\[{,'"]["'])"""
    r"/(?=[\w.{\ufffc])(?:\{\{.*?\}\}|[^\s'\";|&<>(),=`])+"
)


@dataclass(frozen=True)
class PathReference:
    path: str
    start: int
    end: int


def absolute_paths(text: str) -> list[PathReference]:
    """Absolute local paths in ``text``; URL paths (``s3://b/k``, ``hdfs:///x``) are not."""
    references = []
    for match in _ABSOLUTE_PATH.finditer(text):
        path = match.group(0).rstrip(".:")
        if path.replace(UNKNOWN, "").strip("/") == "":
            continue
        references.append(PathReference(path, match.start(), match.start() + len(path)))
    return references


def is_under(path: str, prefixes: tuple[str, ...]) -> bool:
    """True when ``path`` is one of ``prefixes`` or inside one of them."""
    return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in prefixes)
