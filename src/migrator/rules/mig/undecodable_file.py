"""MIG003: File is not decodable text or is binary"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.mig._helpers import _ProblemRule


class UndecodableFileRule(_ProblemRule):
    """
    ## What it does
    Reports `.py` files whose bytes are not text in their declared encoding, and binary files
    named `.py`.

    ## Why it matters on MWAA
    The DAG processor fails on them with a `SyntaxError`; a binary named `.py` in the DAG
    folder is usually a stray artefact that should not be shipped at all.

    ## Example
    A file saved as latin-1 (`café = 1` as byte 0xe9) with no `# -*- coding: latin-1 -*-` line.

    ## Fix
    Re-save the file as UTF-8, or declare its encoding on the first or second line; remove
    binaries from the DAG folder.

    ## References
    - https://peps.python.org/pep-0263/
    """

    id = "MIG003"
    name = "undecodable-file"
    severity = Severity.ERROR
    summary = "File is not decodable text or is binary"
    kinds = frozenset({"undecodable", "binary"})
    valid = (Valid(b"# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n"),
             Valid(b"\xef\xbb\xbfname = 'utf-8 with BOM'\n"))
    invalid = (Invalid(b"name = 'caf\xe9'\n", line=1, contains="cannot decode"),
               Invalid(b"\x7fELF\x02\x01\x01\x00\x00\x00", contains="binary"))
