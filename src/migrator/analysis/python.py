"""Facts about one Python module, computed once from a single ``ast`` parse and shared by all rules:
the parsed module (``analysis/parsed_module.py``) with the DAGs, tasks and arguments it defines
(``analysis/dags.py``).

Names are resolved through the module's imports (``from x import Y as Z``, ``import a.b as c``,
``import airflow`` then ``airflow.contrib...``), never matched as text.
"""

from __future__ import annotations

import ast

from migrator.analysis.dags import argument_sites, dags_of, task_callables, tasks_of
from migrator.analysis.facts import ArgumentSite, DagDef, TaskDef
from migrator.analysis.literals import literal_value_spans, word_pattern
from migrator.analysis.parsed_module import (
    IMPORT_ERRORS,
    ImportedName,
    ParsedModule,
    catches_import_error,
)

# What importers of this module have always found here.
__all__ = ["IMPORT_ERRORS", "ImportedName", "ModuleFacts", "catches_import_error", "literal_value_spans",
           "word_pattern"]


class ModuleFacts(ParsedModule):
    """A parsed module, or the problem that stopped it from being parsed, with its Airflow structure."""

    @property
    def dags(self) -> list[DagDef]:
        """``find_dags(self)``, computed once."""
        return dags_of(self)

    @property
    def tasks(self) -> list[TaskDef]:
        """``find_tasks(self)``, computed once."""
        return tasks_of(self)

    @property
    def arguments(self) -> list[ArgumentSite]:
        """Every DAG/task keyword and ``default_args`` key, computed once."""
        return self.memo(argument_sites, argument_sites)

    @property
    def task_callables(self) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        """Functions that run as tasks and receive the context (``python_callable=``, ``@task``)."""
        return self.memo(task_callables, task_callables)
