"""MIG002: File is Python 2 source"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.mig._helpers import _ProblemRule


class Python2SourceRule(_ProblemRule):
    """
    ## What it does
    Reports files written in Python 2 syntax (`print "x"`, `except E, e:`, backticks, `0777`).

    ## Why it matters on MWAA
    MWAA runs Python 3.11 or 3.12. Python 2 files never load; they usually come from an
    Airflow 1.10 deployment on Python 2.7.

    ## Example
    ```python
    print "loading dag"
    ```

    ## Fix
    Port the file to Python 3 (for example with `python -m lib2to3` on an older Python, or by
    hand), then scan again.

    ## References
    - https://docs.python.org/3/howto/pyporting.html
    """

    id = "MIG002"
    name = "python2-source"
    severity = Severity.ERROR
    summary = "File is Python 2 source"
    kinds = frozenset({"python2"})
    valid = (Valid("print('loading dag')"),)
    invalid = (Invalid('print "loading dag"', line=1, contains="Python 2"),
               Invalid("try:\n    pass\nexcept ValueError, e:\n    pass", contains="Python 2"))
