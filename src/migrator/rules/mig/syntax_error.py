"""MIG001: File does not parse as Python 3"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.mig._helpers import _ProblemRule


class SyntaxErrorRule(_ProblemRule):
    """
    ## What it does
    Reports Python files in the DAG or plugins folders that do not parse as Python 3.

    ## Why it matters on MWAA
    MWAA's DAG processor shows such a file as a broken DAG, and no rule of this tool can check
    it: everything else in it is unknown until it parses.

    ## Example
    ```python
    with DAG("nightly" as dag:
    ```

    ## Fix
    Fix the syntax error; run `python -m py_compile FILE` with the target's Python version.

    ## References
    - https://docs.python.org/3/library/py_compile.html
    """

    id = "MIG001"
    name = "syntax-error"
    severity = Severity.ERROR
    summary = "File does not parse as Python 3"
    kinds = frozenset({"syntax", "too-complex"})
    valid = (Valid("x = (1 +\n     2)"),)
    invalid = (Invalid("def broken(:\n    pass", line=1, contains="syntax error"),
               Invalid("x = " + "(" * 300 + "1" + ")" * 300, contains="nested"))
