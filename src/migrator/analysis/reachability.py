"""Which module-level functions of the project nothing can call.

``quick_unreferenced_functions`` is an index pre-pass over the text of every project file (the
DAG and plugins folders and the helper packages beside them). A function's name that appears
nowhere but in ``def`` lines is called by nothing: no call, import, callback argument,
``getattr`` string or ``__all__`` entry names it. This over-approximates what is reachable (any
mention of the name counts, whatever it refers to), so a function it reports really is dead;
decorated functions are left out, since a decorator can register them (a plugin hook, a
``@dag`` that builds a DAG, a route) without any other mention.
"""

from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(rb"[A-Za-z_]\w*")
_MODULE_PATHS = re.compile(rb"(?m)^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import\b|import[ \t][^\n]*)")
_COMMENT = re.compile(rb"(?m)(?:^|(?<=[ \t]))#[^\n]*")
# The next module-level statement after a def: a name, keyword or decorator in column 0 (not
# the ")" closing its parameters).
_TOP_LEVEL_STATEMENT = re.compile(rb"(?m)^[A-Za-z_@]")
_DEF = re.compile(rb"(?m)^[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)")
# A module-level def and the line before it (a decorator, if it starts with "@").
_TOP_LEVEL_DEF = re.compile(rb"(?m)(?:^([ \t]*\S[^\n]*)\n(?:[ \t]*\n)*)?^(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)")


def quick_unreferenced_functions(workspace) -> frozenset[str]:
    """Dotted names (``module.function``) of the module-level, undecorated functions whose name
    the project mentions only where it defines them."""
    from migrator.analysis.source import project_python_bytes

    # A module path names modules (``from pkg.build_task import run`` is no mention of a
    # build_task function; the names imported from it stay); a comment calls nothing.
    texts = {rel: _COMMENT.sub(b"", _MODULE_PATHS.sub(b"", data))
             for rel, data in project_python_bytes(workspace).items()}
    mentions: Counter[bytes] = Counter()
    definitions: Counter[bytes] = Counter()
    for data in texts.values():
        mentions.update(_WORD.findall(data))
        definitions.update(_DEF.findall(data))
    found = set()
    for rel, data in texts.items():
        module_name = workspace.module_name(rel)
        for match in _TOP_LEVEL_DEF.finditer(data):
            before, name = match.group(1), match.group(2)
            if (before or b"").lstrip().startswith(b"@"):
                continue
            # The function naming itself (recursion, ``f.__name__``) does not call it from outside.
            body_end = _TOP_LEVEL_STATEMENT.search(data, match.end())
            own = _WORD.findall(data, match.end(), body_end.start() if body_end else len(data)).count(name)
            if mentions[name] - own == definitions[name]:
                short = name.decode()
                found.add(f"{module_name}.{short}" if module_name else short)
    return frozenset(found)
