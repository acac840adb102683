"""CFG001: Option is set by MWAA; the project's value is ignored"""

from __future__ import annotations

from migrator.findings import FixSafety, Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.cfg._helpers import _config_fix, _OptionRule, _reported_secret


class ForcedByMwaa(_OptionRule):
    """
    ## What it does
    Reports options MWAA sets itself and never lets a project override: the executor, the
    broker and result backend, the metadata database connection, the Fernet key, logging and
    metrics settings, and others, depending on the target. When the value is a credential in
    clear text, the finding also says to rotate it (CFG006's finding on the same line is one of
    its related locations: MWAA never receives the value, so it needs no Secrets Manager entry).

    ## Why it matters on MWAA
    Your value is silently ignored. Code or operations that relied on it (a KubernetesExecutor,
    a custom logging class, statsd to your own host) behave differently on MWAA.

    ## Example
    ```ini
    [core]
    executor = KubernetesExecutor
    ```

    ## Fix
    Drop the option from what you carry over; adapt whatever depended on it (task routing,
    logging, metrics in CloudWatch).

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    - https://github.com/aws/amazon-mwaa-docker-images (python/mwaa/config/airflow.py)
    """

    id = "CFG001"
    name = "forced-by-mwaa"
    severity = Severity.INFO
    summary = "Option is set by MWAA; the project's value is ignored"
    fix_safety = FixSafety.SAFE
    kinds = frozenset({"forced"})
    valid = (Valid(files={"airflow.cfg": "[core]\ndefault_task_retries = 2\n"}),
             # the value MWAA forces: nothing changes
             Valid(files={".env": "AIRFLOW__CORE__EXECUTOR=CeleryExecutor\nAIRFLOW__CORE__LOAD_EXAMPLES=false\n"}),
             # a stock airflow.cfg: Airflow's defaults, and a key left empty, are no choice of the project
             Valid(files={"airflow.cfg": "[core]\nexecutor = SequentialExecutor\nfernet_key =\n"
                                         "[scheduler]\nstatsd_on = False\n"}))
    invalid = (Invalid(files={"airflow.cfg": "[core]\nexecutor = KubernetesExecutor\n"}, line=2,
                       contains="CeleryExecutor"),
               Invalid(files={".env": "AIRFLOW__CORE__LOAD_EXAMPLES=True\n"}, line=1, contains="ignored"),
               # a real password in an option MWAA sets itself: dropped, but it is in git to rotate
               Invalid(files={"airflow.cfg": "[webserver]\nsecret_key = 8cbd483d2cb4e735a1\n"}, line=2,
                       contains="rotate it if it was a real one"),
               # a generated Fernet key: MWAA sets its own, so no Secrets Manager entry for this one
               Invalid(files={"airflow.cfg": "[core]\nfernet_key = Zm9yLWV4YW1wbGVzLW9ubHktbm90LWEtcmVhbC1rZXk=\n"},
                       line=2, contains="needs no Secrets Manager entry"))

    def check_entry(self, entry, verdict, ctx):
        if verdict.mwaa_value is not None and entry.value.strip().lower() == verdict.mwaa_value.lower():
            return  # MWAA sets what the project has: nothing changes
        forced = f" to {verdict.mwaa_value}" if verdict.mwaa_value else ""
        name = f" (as {verdict.new_option})" if verdict.new_option else ""
        note = f" ({verdict.reason})" if verdict.reason else ""
        # This finding carries CFG006's on the same line (root cause "forced-secret").
        leaked = (". It is a credential in clear text: MWAA never receives it, so it needs no Secrets Manager "
                  "entry, but rotate it if it was a real one (it is in the repository's history)"
                  if _reported_secret(entry, ctx.target) else "")
        yield self.at_entry(entry, f"{entry.where}: MWAA sets {entry.option}{name} itself{forced}{note}; the value "
                                   f"here is ignored{leaked}",
                            fix=_config_fix("drop", f"leave {entry.option} to MWAA", option=entry.option))
