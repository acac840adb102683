"""MWA022: a DAG file imports another DAG file, whose DAGs Airflow then registers twice."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from migrator.findings import Finding, Location, Related, Severity
from migrator.project import ModuleSummary, ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid

_HEAD = ("import pendulum\nfrom airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\n\n"
         "START = pendulum.datetime(2024, 1, 1, tz='UTC')\n\n")


# A factory, and the module-level call that builds this file's own DAG with it.
_FACTORY = (_HEAD + "def make_dag(dag_id):\n    with DAG(dag_id, start_date=START, schedule=None) as dag:\n"
            "        EmptyOperator(task_id='start')\n    return dag\n\n")


_DISCOVER = _FACTORY + "make_dag('discover')\n"


_GENERATE = "from discover import make_dag\n\nfor name in ('a', 'b'):\n    make_dag(f'discover_{name}')\n"


_PLAIN = _HEAD + "dag = DAG('nightly', start_date=START, schedule=None)\nEmptyOperator(task_id='start', dag=dag)\n\n" \
                 "def on_failure(context):\n    pass\n"


class DagModuleImportedByDagFile(ProjectRule):
    """
    ## What it does
    Reports a DAG-folder file Airflow parses that imports another one whose import builds
    DAGs Airflow registers with whoever imports it: a `with DAG(...)` block or a call of a
    `@dag` function run at import (at module level, or in a factory the module calls there,
    as `make_dag("discover")`), or a call of another module's DAG factory; or, for a DAG
    built without such a block (`dag = DAG(...)`), an import of that DAG object by name.
    One finding per importing file and imported module, on the import, with the imported
    module as the related location.

    ## Why it matters on MWAA
    Importing a module runs it again under its import name, so its DAGs are built a second
    time while Airflow parses the importing file, and Airflow bags every DAG a `with DAG`
    block or `@dag` call closes then (and each DAG in the file's namespace) as the importing
    file's. The same DAG id now comes from two files: a DagBag that reads both (the one
    `migrator verify` runs) refuses one with `AirflowDagDuplicatedIdException` ("Ignoring DAG
    ... also found in ..."), a broken-DAG banner; parsed one file at a time, both store a DAG of
    that id and which copy wins depends on the order they are read. Airflow 2.11 and 3.x bag
    DAGs the same way, so the rule holds for every target.

    ## Example
    ```python
    # dags/discover.py
    def make_dag(dag_id):
        with DAG(dag_id, schedule=None) as dag:
            ...
        return dag

    make_dag("discover")

    # dags/generate.py
    from discover import make_dag  # runs discover.py: its "discover" DAG is bagged here too
    ```

    ## Fix
    Move what the other files use (the factory, shared constants) into a helper module that
    builds no DAG, and import it from there in both files. A DAG object imported by name
    (`from nightly import dag`) is registered again: import the settings it was built from
    instead, or build it in one file only.

    ## References
    - https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html#loading-dags
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-dag-import-plugins.html
    """

    id = "MWA022"
    name = "dag-module-imported-by-dag-file"
    severity = Severity.ERROR
    summary = "DAG file imports another DAG file, whose DAGs Airflow then registers from both"
    valid = (
        # The factory lives in a helper that builds no DAG: importing it builds nothing.
        Valid(_HEAD + "from lib.factory import make_dag\n\nmake_dag('generate')\n", path="dags/generate.py",
              files={"dags/lib/__init__.py": "", "dags/lib/factory.py": _FACTORY,
                     "dags/discover.py": _HEAD + "from lib.factory import make_dag\n\nmake_dag('discover')\n"}),
        # A DAG built without a `with` block is bagged only from the namespace it is bound in:
        # a helper of its module can be imported.
        Valid(_HEAD + "from nightly import on_failure\n", path="dags/weekly.py", files={"dags/nightly.py": _PLAIN}),
        # A factory its module never calls builds no DAG when imported.
        Valid(_HEAD + _GENERATE, path="dags/generate.py", files={"dags/discover.py": _FACTORY}),
        # A file that does not mention Airflow is skipped by the DAG processor (safe mode).
        Valid("from discover import make_dag\n", path="dags/tools.py", files={"dags/discover.py": _DISCOVER}),
    )
    invalid = (
        Invalid(_HEAD + _GENERATE, path="dags/generate.py", files={"dags/discover.py": _DISCOVER}, line=7,
                contains="imports dags/discover.py, whose import builds DAGs"),
        # In a package, and by `import`: the module runs all the same.
        Invalid(_HEAD + "import pipelines.discover\n", path="dags/report.py",
                files={"dags/pipelines/__init__.py": "", "dags/pipelines/discover.py": _DISCOVER}, line=7,
                contains="dags/pipelines/discover.py"),
        # A @dag function called at import registers its DAG with the importer too.
        Invalid(_HEAD + "from hourly import OWNER\n", path="dags/daily.py",
                files={"dags/hourly.py": "from airflow.decorators import dag\n\nOWNER = 'data'\n\n"
                                         "@dag(schedule=None)\ndef hourly():\n    pass\n\nhourly()\n"},
                line=7, contains="dags/hourly.py"),
        # A DAG built plainly, then entered with `with dag:`, is registered as the block closes.
        Invalid(_HEAD + "from nightly import on_failure\n", path="dags/weekly.py",
                files={"dags/nightly.py": _PLAIN.replace("EmptyOperator(task_id='start', dag=dag)",
                                                         "with dag:\n    EmptyOperator(task_id='start')")},
                line=7, contains="dags/nightly.py"),
        # The DAG object itself, imported by name, is in the importer's namespace.
        Invalid(_HEAD + "from nightly import dag as nightly_dag\n", path="dags/weekly.py",
                files={"dags/nightly.py": _PLAIN}, line=7, contains="dags/nightly.py"),
    )

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        parsed = project.parsed_dag_files
        modules = {project.workspace.module_name(m.path): m for m in project.modules if m.path in parsed}
        factories = {f.name for m in project.modules for f in m.dags_built.factories}
        for importer in modules.values():
            if not importer.imports_airflow:
                continue  # the DAG processor's safe mode skips a file that does not mention Airflow
            for name, module in _registering_imports(importer, modules, factories):
                line = project.import_line(importer.path, name)
                finding = self.finding(
                    importer.path, Location(line, 1, line, 1),
                    f"imports {module.path}, whose import builds DAGs Airflow then registers from this file "
                    "too: one of the two is refused as a duplicate DAG id; move what this file uses into a "
                    "helper module that builds no DAG",
                    anchor=module.path)
                yield replace(finding, related=(Related(module.path, Location(1, 1, 1, 1),
                                                        "the DAG file imported"),))


def _registering_imports(importer: ModuleSummary, modules: dict[str, ModuleSummary],
                         factories: set[str]) -> Iterator[tuple[str, ModuleSummary]]:
    """(module name, module) of each other parsed module the importer's imports run (a dotted
    import runs every package on the way) whose DAGs the import registers again, once each."""
    seen: set[str] = set()
    for qualname in importer.imports:
        parts = qualname.split(".")
        for end in range(1, len(parts) + 1):
            name = ".".join(parts[:end])
            module = modules.get(name)
            if module is None or module is importer or name in seen:
                continue
            imported = parts[end] if end < len(parts) else None  # the name taken from it, if any
            if _registers_with_importer(module, imported, factories):
                seen.add(name)
                yield name, module


def _registers_with_importer(module: ModuleSummary, imported: str | None, factories: set[str]) -> bool:
    dags = module.imported_dags
    # Another module's factory called at import is taken to build its DAG in a `with` block,
    # as factories do to attach their tasks.
    calls_factory = any(call.name in factories and call.calls for call in module.dags_built.factory_calls)
    return dags.registered or calls_factory or imported in dags.names
