"""PY004: Import of a module the target's pinned distribution stopped shipping (compat's
``dropped`` import names: pkg_resources)"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator import compat
from migrator.analysis.python import ModuleFacts
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class DroppedModuleImportRule(PythonRule):
    """
    ## What it does
    Reports imports of a module that a distribution of the MWAA image stopped shipping at the
    release the target's constraints pin: `pkg_resources` left setuptools in 82.0.0, and MWAA
    3.2.1 and 3.3.1 pin setuptools 82.0.1 and 83.0.0.

    ## Why it matters on MWAA
    The import fails with `ModuleNotFoundError` although setuptools is installed, and the
    constraints MWAA applies keep setuptools at that release: no line of requirements.txt can
    bring the module back. Every DAG importing the file is broken.

    ## Example
    ```python
    import pkg_resources

    VERSION = pkg_resources.get_distribution("acme-etl").version
    ```

    ## Fix
    Use the standard library: `importlib.metadata.version("acme-etl")` for a version,
    `importlib.metadata.entry_points(group=...)` for entry points,
    `importlib.resources.files(package) / "name"` for a package's files, and
    `packaging.version.Version` to compare versions.

    ## References
    - https://setuptools.pypa.io/en/latest/pkg_resources.html
    - https://docs.python.org/3/library/importlib.metadata.html
    - https://docs.python.org/3/library/importlib.resources.html
    """

    id = "PY004"
    name = "dropped-module-import"
    severity = Severity.ERROR
    summary = "Import of a module the target's pinned distribution no longer ships"
    needs_airflow_import = False
    valid = (
        Valid("from importlib.metadata import version\n\nVERSION = version('acme-etl')\n"),
        Valid("""
            try:
                import pkg_resources
            except ImportError:
                pkg_resources = None
        """),
        # MWAA 2.11.2 pins setuptools 81.0.0, which still ships it.
        Valid("import pkg_resources\n", target="2.11.2"),
    )
    invalid = (
        Invalid("""
            import pkg_resources

            VERSION = pkg_resources.get_distribution("acme-etl").version
        """, line=1, contains="setuptools 83.0.0"),
        Invalid("from pkg_resources import resource_filename", line=1, contains="importlib.resources"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for imported in module.imports:
            if imported.guarded and not imported.in_fallback:
                continue  # try: import it / except ImportError: the code already copes
            node = imported.node
            if isinstance(node, ast.ImportFrom) and node.level:
                continue
            found = compat.dropped_from_image(imported.qualname.partition(".")[0], ctx.target)
            if found is None:
                continue
            dropped, pinned = found
            yield self.at_node(
                module, imported.alias,
                f"{dropped.module} is not in {dropped.distribution} {pinned}, which the constraints of Airflow "
                f"{ctx.target.airflow} pin ({dropped.distribution} dropped it in {dropped.removed_in}), and no "
                f"requirement can bring it back: use {dropped.instead}")
