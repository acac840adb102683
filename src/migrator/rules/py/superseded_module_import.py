"""PY003: Import of a module whose distribution cannot install on MWAA and whose successor
upstream renamed (compat's superseded distributions with ``renamed`` modules)"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator import compat
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, FixSafety, Severity
from migrator.fixes import ReplaceImport
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid

CX_ORACLE = {"requirements.txt": "cx-Oracle==8.2.1\n"}


class SupersededModuleImportRule(PythonRule):
    """
    ## What it does
    Reports imports of a module whose distribution no release of which installs on MWAA, where
    upstream publishes the module under a new name in its successor: `cx_Oracle` (cx-Oracle
    8.3.0, the last release, has wheels up to Python 3.10 and its source no longer builds) is
    `oracledb` (python-oracledb), the same API under the new name.

    ## Why it matters on MWAA
    The old module is not installed (REQ022 replaces the requirement by its successor), so the
    import fails with `ModuleNotFoundError` and every DAG importing the file is broken.

    ## Example
    ```python
    import cx_Oracle

    dsn = cx_Oracle.makedsn(host, port, service_name=service)
    ```

    ## Fix
    Import the successor under the old name (`import oracledb as cx_Oracle`: upstream's own
    upgrade advice, every use stays as it is) or by its new name in a `from` import.
    `migrator fix --unsafe` and `migrator migrate` rewrite the import: python-oracledb connects
    in thin mode, without the Oracle Client, unless the code calls
    `oracledb.init_oracle_client()` before its first connection; cx_Oracle always ran thick.
    Check the connection options the task uses.

    ## References
    - https://python-oracledb.readthedocs.io/en/stable/user_guide/appendix_c.html
    - https://github.com/oracle/python-cx_Oracle
    """

    id = "PY003"
    name = "superseded-module-import"
    severity = Severity.ERROR
    summary = "Import of a module whose distribution cannot install on MWAA, renamed in its successor"
    fix_safety = FixSafety.UNSAFE
    needs_airflow_import = False
    valid = (
        Valid("""
            import oracledb as cx_Oracle
            from oracledb import makedsn
        """),
        # The code copes with the module missing.
        Valid("""
            try:
                import cx_Oracle
            except ImportError:
                cx_Oracle = None
        """),
    )
    invalid = (
        # The requirement REQ022 replaces by oracledb, as a project importing cx_Oracle has it.
        Invalid(files=CX_ORACLE, code="""
            import cx_Oracle

            dsn = cx_Oracle.makedsn("db", 1521, service_name="orcl")
        """, line=1, contains="oracledb", fixed="""
            import oracledb as cx_Oracle

            dsn = cx_Oracle.makedsn("db", 1521, service_name="orcl")
        """),
        Invalid("from cx_Oracle import makedsn  # the DSN helper", files=CX_ORACLE, line=1, contains="thin mode",
                fixed="from oracledb import makedsn  # the DSN helper"),
        Invalid("import cx_Oracle as ora", files=CX_ORACLE, line=1, fixed="import oracledb as ora"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for imported in module.imports:
            if imported.guarded and not imported.in_fallback:
                continue  # try: import old / except ImportError: the code already copes
            node = imported.node
            old = imported.qualname if isinstance(node, ast.Import) or not node.level else None
            found = compat.renamed_module(old) if old else None
            if found is None:
                continue
            fact, top, new_top = found
            new = new_top + old[len(top):]
            how = f"import {new} as {top}" if old == top and not imported.alias.asname else f"import {new}"
            yield self.at_node(
                module, imported.alias,
                f"{old}: {fact.reason}; {how}"
                + (f": {fact.caveat}" if fact.caveat else ""),
                fix=ReplaceImport(safety=FixSafety.UNSAFE, description=how, old=old, new=new, required=True))
