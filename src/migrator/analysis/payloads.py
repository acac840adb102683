"""The project's subclasses of provider operators whose payload dict changed (compat
``payload_merged_at_execute``), for API022 to recognise their instances in any module.

A DAG helper often subclasses the provider operator in one module and builds it in another
(a workflow class holding ``self.job_op = CompanyJobsOperator(...)``): the index pre-pass
follows the bases across modules, as ``migrator.analysis.platform`` does for its wrappers.
"""

from __future__ import annotations

from collections.abc import Mapping

from migrator import compat
from migrator.analysis.classes import quick_subclasses
from migrator.cache import FileFacts


def quick_payload_operators(workspace, texts: Mapping[str, bytes], file_facts: FileFacts
                            ) -> tuple[tuple[str, str], ...]:
    """(project class, provider operator it derives from), sorted, for every provider operator
    of every payload change (the target's pins decide later which apply). ``texts``: the
    project's Python files (``project_python_bytes``)."""
    operators = frozenset(name for merge in compat.payload_merges() for name in merge.operators)
    return tuple(sorted(quick_subclasses(workspace, texts, file_facts, operators).items()))
