"""The project's subclasses of provider operators whose payload dict changed (compat
``payload_merged_at_execute``), for API022 to recognise their instances in any module.

A DAG helper often subclasses the provider operator in one module and builds it in another
(a workflow class holding ``self.job_op = CompanyJobsOperator(...)``): the index pre-pass
follows the bases across modules, as ``migrator.analysis.platform`` does for its wrappers.
"""

from __future__ import annotations

from migrator import compat


def quick_payload_operators(workspace) -> tuple[tuple[str, str], ...]:
    """(project class, provider operator it derives from), sorted, for every provider operator
    of every payload change (the target's pins decide later which apply). Only modules whose
    text names one of the operators, or a subclass found so far, are parsed."""
    from migrator.analysis.classes import module_classes
    from migrator.analysis.python import ModuleFacts
    from migrator.analysis.source import project_python_bytes

    operators = {name for merge in compat.payload_merges() for name in merge.operators}
    texts = project_python_bytes(workspace)
    classes: dict[str, tuple[str, ...]] = {}  # project class -> its bases
    parsed: set[str] = set()
    found: dict[str, str] = {}
    words = sorted({name.rsplit(".", 1)[-1].encode() for name in operators})
    while words:
        for rel, text in texts.items():
            if rel not in parsed and any(word in text for word in words):
                parsed.add(rel)
                module = ModuleFacts.from_bytes(rel, text, workspace.module_name(rel))
                classes.update((facts.qualname, facts.bases) for facts in module_classes(module))
        new = {}
        for name, bases in classes.items():
            if name in found:
                continue
            origin = next((base if base in operators else found.get(base) for base in bases
                           if base in operators or base in found), None)
            if origin:
                new[name] = origin
        found.update(new)
        words = sorted({name.rsplit(".", 1)[-1].encode() for name in new})
    return tuple(sorted(found.items()))
