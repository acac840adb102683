"""MWA012: SMTP on port 25, which MWAA blocks"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from migrator import compat
from migrator.analysis.python import ModuleFacts
from migrator.analysis.strings import name_value
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


def _int_value(module: ModuleFacts, node: ast.AST | None) -> tuple[int, ast.AST] | None:
    """An int literal, directly or through a name assigned once; with the literal's node."""
    for _ in range(4):
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            return node.value, node
        if isinstance(node, ast.Name):
            node = name_value(module, node)
            continue
        return None
    return None


class SmtpPort25Rule(PythonRule):
    """
    ## What it does
    Reports SMTP connections made in code on port 25 (`smtplib.SMTP(host, 25)`, also through a
    constant such as `SMTP_PORT = 25`).

    ## Why it matters on MWAA
    Outbound traffic to port 25 is blocked from MWAA; the connection times out and the alert or
    report is never sent.

    ## Example
    ```python
    smtplib.SMTP("smtp.corp.local", 25)
    ```

    ## Fix
    Send through port 587 with STARTTLS (or 465 with SSL), for example the Amazon SES SMTP
    endpoint with credentials kept in an Airflow connection.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    - https://docs.aws.amazon.com/ses/latest/dg/smtp-connect.html
    """

    id = "MWA012"
    name = "smtp-port-25"
    severity = Severity.ERROR
    summary = "SMTP on port 25, which MWAA blocks"
    needs_airflow_import = False
    valid = (
        Valid("""
            import smtplib

            with smtplib.SMTP("email-smtp.us-east-1.amazonaws.com", 587) as relay:
                relay.starttls()
        """),
    )
    invalid = (
        Invalid("""
            import smtplib

            SMTP_PORT = 25

            def send(msg):
                with smtplib.SMTP("smtp.corp.acme.local", SMTP_PORT, timeout=10) as relay:
                    relay.send_message(msg)
        """, line=3, contains="587"),
        Invalid("""
            from smtplib import SMTP

            SMTP(host="relay", port=25)
        """, line=3),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        for call, qualname in module.calls:
            if qualname not in ("smtplib.SMTP", "smtplib.SMTP_SSL", "smtplib.LMTP"):
                continue
            port = call.args[1] if len(call.args) > 1 else next(
                (k.value for k in call.keywords if k.arg == "port"), None)
            found = _int_value(module, port)
            if found and found[0] in compat.worker_environment().blocked_smtp_ports:
                yield self.at_node(module, found[1],
                                   f"SMTP on port {found[0]} is blocked from MWAA: {compat.worker_environment().smtp_advice}")
