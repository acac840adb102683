"""The project's subclasses of provider operators whose payload dict changed (compat
``payload_merged_at_execute``), for API022 to recognise their instances in any module.

A DAG helper often subclasses the provider operator in one module and builds it in another
(a workflow class holding ``self.job_op = CompanyJobsOperator(...)``): the index pre-pass
follows the bases across modules, as ``migrator.analysis.platform`` does for its wrappers.
"""

from __future__ import annotations

from migrator import compat
from migrator.cache import FileFacts


def quick_payload_operators(workspace, texts: dict[str, bytes], file_facts: FileFacts
                            ) -> tuple[tuple[str, str], ...]:
    """(project class, provider operator it derives from), sorted, for every provider operator
    of every payload change (the target's pins decide later which apply). Only modules whose
    text names one of the operators, or a subclass found so far, are parsed (their classes kept
    in ``file_facts`` by content). ``texts``: the project's Python files (``project_python_bytes``)."""
    operators = {name for merge in compat.payload_merges() for name in merge.operators}
    classes: dict[str, tuple[str, ...]] = {}  # project class -> its bases
    parsed: set[str] = set()
    found: dict[str, str] = {}
    words = sorted({name.rsplit(".", 1)[-1].encode() for name in operators})
    while words:
        for rel, text in texts.items():
            if rel not in parsed and any(word in text for word in words):
                parsed.add(rel)
                module_name = workspace.module_name(rel)
                classes.update(file_facts.of("class_bases", rel, text,
                                             lambda text, rel=rel, name=module_name: _class_bases(rel, text, name),
                                             inputs=(module_name,)))
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


def _class_bases(rel: str, text: bytes, module_name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    from migrator.analysis.classes import module_classes
    from migrator.analysis.python import ModuleFacts

    module = ModuleFacts.from_bytes(rel, text, module_name)
    return tuple((facts.qualname, facts.bases) for facts in module_classes(module))
