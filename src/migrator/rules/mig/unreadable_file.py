"""MIG004: File could not be read or is too large to analyse"""

from __future__ import annotations

from migrator.analysis.source import MAX_SOURCE_BYTES
from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.mig._helpers import _ProblemRule


class UnreadableFileRule(_ProblemRule):
    """
    ## What it does
    Reports files the tool could not read (permissions, I/O errors) or would not analyse
    because of their size.

    ## Why it matters on MWAA
    What the tool cannot read it cannot check: the file may hide any of the problems this tool
    reports, and a huge `.py` file in the DAG folder slows every parse loop of the scheduler.

    ## Example
    A 20 MB generated module in `dags/`.

    ## Fix
    Make the file readable, or move generated data out of the DAG folder (to S3, or a data
    file next to the DAG).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-tuning.html
    """

    id = "MIG004"
    name = "unreadable-file"
    severity = Severity.WARNING
    summary = "File could not be read or is too large to analyse"
    kinds = frozenset({"unreadable", "too-large"})
    valid = (Valid("DATA = [1, 2, 3]"),)
    invalid = (Invalid(files={"dags/huge_generated.py": lambda: b"#" * (MAX_SOURCE_BYTES + 1)},
                       contains="not analysed"),)
