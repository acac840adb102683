"""Removing or renaming any argument of any call layout leaves valid, equivalent Python.

Hypothesis builds calls and dict literals with every separator style the codemods meet in DAG
files (one line, one argument per line, own-line and end-of-line comments, trailing comma or
none) and removes or renames one entry; the result must parse, keep every other entry in
order, and keep every comment not on the removed entry's own lines.
"""

from __future__ import annotations

import ast

from codemod_cases import fix_of, span
from hypothesis import given, settings
from hypothesis import strategies as st
from migrator.codemods import Edit, apply_edits

# {before}/{after}: the entries a comment sits after (on that entry's line) or above.
SEPARATORS = [", ", ",\n    ", ",  # on {before}\n    ", ",\n    # above {after}\n    ", ",\n\n    "]
NAMES = [f"arg{i}" for i in range(6)]


@st.composite
def layouts(draw):
    """(code, entry texts, index to change, is_dict) for a call or a dict literal."""
    count = draw(st.integers(min_value=1, max_value=5))
    is_dict = draw(st.booleans())
    entries = [f'"{NAMES[i]}": {i}' if is_dict else f"{NAMES[i]}={i}" for i in range(count)]
    if not is_dict and draw(st.booleans()):
        entries.insert(0, "positional")
    separators = [draw(st.sampled_from(SEPARATORS)).format(before=i, after=i + 1) for i in range(len(entries) - 1)]
    opening = draw(st.sampled_from(["", "\n    "]))
    closing = draw(st.sampled_from(["", ",", ",\n", "\n", ",  # on {last}\n"])).format(last=len(entries) - 1)
    body = entries[0] + "".join(sep + entry for sep, entry in zip(separators, entries[1:], strict=True))
    brackets = ("{", "}") if is_dict else ("f(", ")")
    code = f"x = {brackets[0]}{opening}{body}{closing}{brackets[1]}\n"
    keyed = [i for i, entry in enumerate(entries) if entry != "positional"]
    return code, entries, draw(st.sampled_from(keyed)), is_dict


def comments(code: str) -> list[str]:
    return [line.split("#", 1)[1] for line in code.splitlines() if "#" in line]


@given(layouts())
@settings(max_examples=300, deadline=None)
def test_removing_any_argument_keeps_the_rest(layout):
    code, entries, index, is_dict = layout
    name = NAMES[int(entries[index].split(":" if is_dict else "=")[1])]
    edit = Edit(0, fix_of("remove-argument", name=name), span(code, entries[index]))
    result = apply_edits(code, [edit])
    assert result.applied == {0}, result.refused
    tree = ast.parse(result.text)
    value = tree.body[0].value
    kept = [k.value for k in value.keys] if is_dict else [k.arg for k in value.keywords]
    expected = [NAMES[int(e.split(":" if is_dict else "=")[1])] for i, e in enumerate(entries)
                if i != index and e != "positional"]
    assert kept == expected
    # Only the removed entry's own comments may go: the one on its line and the one above it.
    lost = {c.strip() for c in comments(code)} - {c.strip() for c in comments(result.text)}
    assert lost <= {f"on {index}", f"above {index}"}, (code, result.text)


@given(layouts())
@settings(max_examples=150, deadline=None)
def test_renaming_any_argument_changes_only_its_name(layout):
    code, entries, index, is_dict = layout
    name = NAMES[int(entries[index].split(":" if is_dict else "=")[1])]
    edit = Edit(0, fix_of("rename-argument", old=name, new="renamed"), span(code, entries[index]))
    result = apply_edits(code, [edit])
    assert result.applied == {0}, result.refused
    expected = code.replace(f'"{name}"' if is_dict else f"{name}=", '"renamed"' if is_dict else "renamed=", 1)
    assert result.text == expected
