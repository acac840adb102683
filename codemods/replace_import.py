"""``replace-import``: make an import (or a use of an imported name) refer to its new path.

Params: ``old`` and ``new``, dotted qualnames of a class, function or module.

- At an import statement: ``from old.mod import Name [as alias]`` is rewritten in place, keeping
  the statement's comments, parentheses and the other names it imports (those stay in the
  original statement; moved names get a statement of their own right after it). When the object
  was renamed (``DummyOperator`` -> ``EmptyOperator``), its uses are renamed too when the new name
  is free; otherwise the import keeps the old local name as an alias. An alias the user chose is
  always kept. ``import old.mod [as m]`` has its module path rewritten, and ``old.mod.X`` uses
  of a plain ``import old.mod`` follow; a renamed top-level module is imported under its old
  name (``import cx_Oracle`` -> ``import oracledb as cx_Oracle``), so its uses stay.
- At a use (``bo.BashOperator`` with ``import airflow.operators.bash_operator as bo``): the use
  becomes a reference to the new object (imported by name when the name is free) and the old
  import is removed once nothing uses it.
- An import whose new name is already imported is dropped instead of duplicated.

Safe: the new path names the same object (Airflow's own moved-import tables and the provider
packages' re-exports say so), only its location changed, so behaviour is identical once the
providing package is installed (the requirements fix adds it).
"""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import Assignment

from migrator.findings import FixSafety

from ._core import CannotFix, Edit
from ._imports import import_from_module
from ._nodes import dotted, string_value, with_string_value
from ._planner import Planner

SAFETY = FixSafety.SAFE
RATIONALE = ("the new path is the same object under its new name or module (Airflow's moved-import "
             "tables); only where it is imported from changes")


def plan(edit: Edit, planner: Planner) -> None:
    old, new = edit.fix.old, edit.fix.new
    if not all(part.isidentifier() for path in (old, new) for part in path.split(".")):
        raise CannotFix(f"{old!r} or {new!r} is not a dotted path")
    if old == new:
        raise CannotFix("old and new paths are the same")
    alias = _locate_alias(edit, planner, old)
    if alias is not None:
        statement = next(a for a in planner.ancestors(alias) if isinstance(a, (cst.Import, cst.ImportFrom)))
        if isinstance(statement, cst.ImportFrom):
            rewrite_from_alias(planner, statement, alias, new)
        elif get_full_name_for_node(alias.name) == old:
            _rewrite_module_import(planner, statement, alias, old, new)
        else:  # ``import old.module [as m]`` at the finding, ``old`` a member: fix every use
            uses = [n for n in planner.nodes(cst.Attribute, cst.Name)
                    if old in planner.qualnames(n) and not _in_import(planner, n)]
            if not uses:
                raise CannotFix(f"no use of {old} to rewrite")
            for use in uses:
                replace_use(planner, use, old, new)
        return
    use = planner.locate(edit.location, [n for n in planner.at(edit.location, cst.Attribute, cst.Name)
                                         if old in planner.qualnames(n) and not _in_import(planner, n)],
                         f"use of {old}")
    replace_use(planner, use, old, new)


def _in_import(planner: Planner, node: cst.CSTNode) -> bool:
    return any(isinstance(a, (cst.Import, cst.ImportFrom)) for a in planner.ancestors(node))


def alias_qualname(planner: Planner, alias: cst.ImportAlias) -> str | None:
    parent = planner.parent(alias)
    name = get_full_name_for_node(alias.name)
    if isinstance(parent, cst.ImportFrom):
        module_path = import_from_module(parent)
        return f"{module_path}.{name}" if module_path else None
    return name


def _locate_alias(edit: Edit, planner: Planner, old: str) -> cst.ImportAlias | None:
    candidates = []
    for alias in planner.at(edit.location, cst.ImportAlias):
        qualname = alias_qualname(planner, alias)
        if qualname and (qualname == old or (isinstance(planner.parent(alias), cst.Import)
                                             and old.startswith(qualname + "."))):
            candidates.append(alias)
    if not candidates:
        return None
    try:
        return planner.locate(edit.location, candidates, f"import of {old}")
    except CannotFix:
        return None


# -- ``from a.b import C`` --------------------------------------------------------------------


def rewrite_from_alias(planner: Planner, statement: cst.ImportFrom, alias: cst.ImportAlias, new: str) -> None:
    """Plan ``from old.mod import Name [as a]`` -> ``from new.mod import NewName [as a]``."""
    if isinstance(statement.names, cst.ImportStar):
        raise CannotFix("star imports cannot be rewritten; import the names explicitly")
    new_module, _, new_name = new.rpartition(".")
    if not new_module:
        raise CannotFix(f"{new!r} is not a dotted path")
    old_name = get_full_name_for_node(alias.name)
    asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]
    local = asname or old_name
    index = list(statement.names).index(alias)
    rewrite = planner.import_edit(statement)
    if asname is None and new_name != old_name:
        # The object was renamed: rename its uses when the new name is free, else keep an alias.
        renamed = _rename_references(planner, statement, local, new_name, new)
        if renamed is None:
            asname = local
        local = asname or new_name
    if planner.imported_elsewhere(local, new, statement):
        rewrite.drops.add(index)
        rewrite.moves.pop(index, None)
    else:
        rewrite.moves[index] = (new_module, new_name, asname)
        planner.stage_binding(local, new)


def _rename_references(planner: Planner, statement: cst.CSTNode, old_local: str, new_local: str,
                       new_qualname: str) -> bool | None:
    """Rename every use of the binding ``old_local`` made by ``statement``; None if not possible."""
    references = planner.import_references(statement, old_local, exclusive=True)
    if references is None:
        return None  # not one binding, or a name another binding may also reach
    for node in references:
        exact_string = isinstance(node, cst.SimpleString) and string_value(node) == old_local
        if not (isinstance(node, cst.Name) or exact_string):
            return None  # a dotted string annotation
    if new_local in planner.all_names() and not planner.imported_elsewhere(new_local, new_qualname, statement):
        return None
    for node in references:
        if isinstance(node, cst.Name):
            planner.replace(node, ("rename", new_local), lambda n, v=new_local: n.with_changes(value=v))
        else:  # a string annotation naming the class: ``x: "Dataset"``
            planner.replace(node, ("rename", new_local), lambda n, v=new_local: with_string_value(n, v))
    return True


# -- ``import a.b [as c]`` -------------------------------------------------------------------


def _rewrite_module_import(planner: Planner, statement: cst.Import, alias: cst.ImportAlias,
                           old: str, new: str) -> None:
    """``import old.mod [as m]`` -> ``import new.mod [as m]``; dotted uses of a plain import follow.
    A renamed top-level module keeps its local name: ``import old`` -> ``import new as old``."""
    if alias.asname is None and "." not in old and "." not in new:
        planner.replace(alias, ("module", new),
                        lambda n: n.with_changes(name=cst.Name(new), asname=cst.AsName(name=cst.Name(old))))
        return
    planner.replace(alias, ("module", new), lambda n: n.with_changes(name=dotted(new)))
    if alias.asname is not None:
        return
    if old.split(".")[0] != new.split(".")[0]:
        raise CannotFix(f"``import {old}`` binds {old.split('.')[0]!r}; rewrite it by hand")
    scope = planner.scope(statement)
    for assignment in scope.assignments[old] if scope is not None else ():
        if isinstance(assignment, Assignment) and assignment.node is statement:
            for access in assignment.references:
                if get_full_name_for_node(access.node) == old:
                    planner.replace(access.node, ("module", new), lambda n: dotted(new))


# -- uses --------------------------------------------------------------------------------------


def replace_use(planner: Planner, use: cst.CSTNode, old: str, new: str) -> None:
    """Make one Name/Attribute use of ``old`` refer to ``new``."""
    if isinstance(use, cst.Name):
        statement = planner.import_statement(use)
        if statement is None:
            raise CannotFix(f"cannot tell where {use.value!r} is imported")
        if isinstance(statement, cst.ImportFrom):
            for alias in statement.names if not isinstance(statement.names, cst.ImportStar) else ():
                if (alias.asname.name.value if alias.asname else get_full_name_for_node(alias.name)) == use.value:  # type: ignore[union-attr]
                    rewrite_from_alias(planner, statement, alias, new)
                    return
        raise CannotFix(f"cannot rewrite the import of {use.value!r}")
    reference = planner.reference_to(new, use)
    planner.replace(use, ("expr", cst.Module([]).code_for_node(reference)), lambda n, r=reference: r)
    planner.forget_binding_of(use)
