"""MIG: files the tool could not analyse, and rules that crashed. Never a crash of the run."""

from __future__ import annotations

from collections.abc import Iterable

from migrator.analysis.source import MAX_SOURCE_BYTES
from migrator.findings import Finding, Location, Severity
from migrator.project import ProjectFacts
from migrator.rules.base import Invalid, ProjectRule, RuleContext, Valid


class _ProblemRule(ProjectRule):
    """Reports the file problems whose ``kind`` is in ``kinds``."""

    kinds: frozenset[str] = frozenset()

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for path, problem in project.file_problems:
            if problem.kind in self.kinds:
                location = Location(problem.line, problem.column, problem.line, problem.column + 1)
                yield self.finding(path, location, problem.message, anchor=problem.kind)


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


class RuleCrashRule(ProjectRule):
    """
    ## What it does
    Reports a rule that raised an exception on a file. The run goes on with every other rule.

    ## Why it matters on MWAA
    It does not: it matters for trust in this tool. The file was not fully checked, so a
    problem may be hiding in it; the message names the rule and the error.

    ## Example
    A rule meeting a construct its author did not foresee.

    ## Fix
    Report the message to the mwaa-migrator maintainers; use `# migrator: ignore[RULE]` or
    `--ignore RULE` to go on meanwhile.

    ## References
    - `migrator explain MIG005`
    """

    id = "MIG005"
    name = "rule-crash"
    severity = Severity.ERROR
    summary = "A rule crashed on this file"
    valid = (Valid("import os"),)
    invalid = (Invalid("import os", crash="MIG001", contains="MIG001"),)

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        for crash in project.rule_crashes:
            yield self.finding(crash.path, Location(), f"rule {crash.rule} crashed: {crash.error}",
                               anchor=crash.rule)


class AnalysisCrashRule(ProjectRule):
    """
    ## What it does
    Reports a project file (an env file, compose file, Dockerfile, script, airflow.cfg,
    requirements file, connection export or plugin module) that this tool failed to analyse.
    Every other file is still analysed and the report is complete otherwise; the command exits
    with code 3 after writing it.

    ## Why it matters on MWAA
    It does not: it matters for trust in this tool. What the file configures (variables,
    connections, requirements, options) is missing from the report, so a problem may hide there.

    ## Example
    A parser meeting a line its author did not foresee in `.env`.

    ## Fix
    Report the message (the file's kind and the error) to the mwaa-migrator maintainers; the
    rest of the report can be used meanwhile.

    ## References
    - `migrator explain MIG006`
    """

    id = "MIG006"
    name = "analysis-crash"
    severity = Severity.ERROR
    summary = "The tool failed to analyse this file"
    valid = (Valid(files={".env": "AIRFLOW__CORE__PARALLELISM=32\n"}),)
    invalid = (Invalid(files={".env": "AIRFLOW__CORE__PARALLELISM=32\n"}, crash="analysis:env file",
                       contains="could not analyse this env file"),)

    def check(self, project: ProjectFacts, ctx: RuleContext) -> Iterable[Finding]:
        project.run_all_analyses()
        for crash in project.analysis_crashes:
            yield self.finding(crash.path, Location(),
                               f"mwaa-migrator could not analyse this {crash.analysis} ({crash.error}); "
                               "what it defines is missing from this report", anchor=crash.analysis)
