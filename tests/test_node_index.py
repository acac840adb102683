"""The node index every rule shares (``ParsedModule._index``): one walk that must find what
``ast.walk`` finds, in its order, with each node's parent, whatever the construct."""

import ast

from migrator.analysis.parsed_module import (
    _CHILD_FIELDS,
    _EITHER,
    _MANY,
    _ONE,
    ParsedModule,
    _child_fields,
    child_nodes,
    walk,
)

# Every kind of field: optional nodes (returns, msg), lists with holes (a dict's ** entry, a
# keyword-only argument without default), names and numbers (level, conversion), match patterns.
SOURCE = '''
from .pkg import a as b, c
import os.path
global_value: int = 1
def f(x, /, y=2, *args, z, w=3, **kw) -> "r":
    global g
    assert x, "message"
    return {**kw, "k": [v async for v in y if v]} if x else f"{x!r:>{w}}"
class C(Base, metaclass=M):
    @decorator(1)
    async def g(self):
        async with lock as held, other:
            await held
        try:
            del self.x[1:2, ::3]
        except (KeyError, ValueError) as error:
            raise Error() from error
        finally:
            yield from (i for i in range(3))
match command:
    case [1, *rest] | {"k": v, **others} if v:
        pass
    case Point(x=0, y=_) | None | "s":
        lambda q=1: q
'''


def test_the_index_holds_what_ast_walk_finds_in_its_order_with_each_parent():
    module = ParsedModule.from_bytes("m.py", SOURCE.encode(), "m")
    walked = [node for node in ast.walk(module.tree) if not isinstance(node, ast.expr_context)]
    assert [id(node) for node in module.all_nodes] == [id(node) for node in walked]
    for node in walked[1:]:
        assert any(child is node for child in ast.iter_child_nodes(module.parents[node]))
    assert module.nodes_of(ast.Name, ast.Attribute) == [n for n in walked if isinstance(n, (ast.Name, ast.Attribute))]
    assert module.nodes_of(ast.Attribute, ast.Name) is module.nodes_of(ast.Attribute, ast.Name)  # merged once


def test_fields_are_read_from_the_class_signature():
    assert _child_fields(ast.Call) == (("func", _ONE), ("args", _MANY), ("keywords", _MANY))
    assert _child_fields(ast.ImportFrom) == (("names", _MANY),)  # module and level hold no node
    assert _child_fields(ast.Name) == ()  # id is a name, ctx a shared context


class Unsigned(ast.AST):
    """A node class without a readable signature."""

    _fields = ("items", "one", "ctx")


def test_a_class_without_a_signature_has_its_fields_looked_at():
    assert _child_fields(Unsigned) == (("items", _EITHER), ("one", _EITHER))
    child, single = ast.Name("a", ast.Load()), ast.Constant(1)
    odd = Unsigned(items=[child, "text", None], one=single, ctx=ast.Load())
    tree = ast.Module(body=[ast.Expr(odd)], type_ignores=[])
    module = ParsedModule("m.py", None, tree)
    try:
        assert [type(node) for node in module.all_nodes] == [ast.Module, ast.Expr, Unsigned, ast.Name, ast.Constant]
        assert module.parents[child] is odd and module.parents[single] is odd
    finally:
        _CHILD_FIELDS.pop(Unsigned, None)


def test_walk_and_child_nodes_are_ast_s_without_the_shared_contexts():
    tree = ast.parse(SOURCE)
    for node in ast.walk(tree):
        assert child_nodes(node) == [c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.expr_context)]
    function = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef))
    assert walk(function) == [n for n in ast.walk(function) if not isinstance(n, ast.expr_context)]


def test_top_level_is_the_module_statement_holding_a_node():
    module = ParsedModule.from_bytes("m.py", SOURCE.encode(), "m")
    cls = next(n for n in module.tree.body if isinstance(n, ast.ClassDef))
    deep = next(n for n in module.nodes_of(ast.Await))
    assert module.top_level(deep) is cls
    assert module.top_level(cls) is cls
    assert module.top_level(module.tree) is None
