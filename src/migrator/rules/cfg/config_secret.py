"""CFG006: Credential in airflow.cfg or an AIRFLOW__ variable"""

from __future__ import annotations

from migrator.findings import Location, Severity
from migrator.rules.base import Invalid, ProjectRule, Valid
from migrator.rules.cfg._helpers import _reported_secret


class ConfigSecret(ProjectRule):
    """
    ## What it does
    Reports credentials written into airflow.cfg or `AIRFLOW__*` variables: passwords in
    `sql_alchemy_conn` or broker URLs, the Fernet key, SMTP and LDAP passwords, OAuth client
    secrets. Values are shown masked. A local stack's throwaway login (`airflow:airflow`, the
    user name as password) in an option MWAA sets itself is not reported: it never reaches
    MWAA, protects nothing, and CFG001 already says to leave the option out. Any other
    credential in such an option (a generated Fernet key, a real database password) is a
    related location of CFG001's finding, which says to drop and rotate it: MWAA never
    receives the value, so it needs no Secrets Manager entry.

    ## Why it matters on MWAA
    They are in the repository, in every copy of it and in CI logs; the ones the tasks or the
    web server still need belong in Secrets Manager (the values you set as MWAA configuration
    options are stored as sensitive, but the repository copy stays).

    ## Example
    ```ini
    [smtp]
    smtp_password = hunter2
    ```

    ## Fix
    Remove the value from the repository and rotate it. Store the SMTP password as an Airflow
    connection in Secrets Manager (`smtp_default`) or set it once as an MWAA configuration
    option; leave database, broker and Fernet settings to MWAA.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/connections-secrets-manager.html
    - https://airflow.apache.org/docs/apache-airflow/stable/howto/set-config.html
    """

    id = "CFG006"
    name = "config-secret"
    severity = Severity.ERROR
    summary = "Credential in airflow.cfg or an AIRFLOW__ variable"
    valid = (Valid(files={"airflow.cfg": "[smtp]\nsmtp_password_cmd = cat /run/secrets/smtp\nsmtp_host = mail.example.com\n"}),
             # flags whose names look sensitive; Airflow's own stock credentials
             Valid(files={"airflow.cfg": "[webserver]\ncookie_secure = True\ncookie_samesite = Strict\n"
                                         "[celery]\nbroker_url = sqla+mysql://airflow:airflow@localhost:3306/airflow\n"
                                         "[secrets]\nbackend_kwargs = {\"connections_prefix\": \"airflow/connections\"}\n"}),
             # options MWAA sets itself (CFG001): the compose stack's own metadata database and
             # broker credentials never reach MWAA
             Valid(files={"docker-compose.yaml": "services:\n  scheduler:\n    environment:\n"
                                                 "      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: postgresql://airflow:airflow@postgres/airflow\n"
                                                 "      AIRFLOW__CELERY__RESULT_BACKEND: db+postgresql://airflow:airflow@postgres/airflow\n"
                                                 "      AIRFLOW__CELERY__BROKER_URL: redis://:password@redis:6379/0\n"}),
             # the stock secret_key of a generated Airflow 1.10 airflow.cfg (CVE-2020-17526): a
             # well-known default, no secret of the project
             Valid(files={"airflow.cfg": "[webserver]\nsecret_key = temporary_key\n"}),
             # passwords the shell fills in
             Valid(files={"entrypoint.sh": "#!/bin/sh\nexport AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="
                                           "postgresql://$PG_USER:$PG_PASSWORD@$PG_HOST/airflow\n"
                                           "export AIRFLOW__CELERY__BROKER_URL=redis://:${REDIS_PASSWORD}@redis:6379/0\n"
                                           "export AIRFLOW__CORE__FERNET_KEY=$FERNET_KEY\n"}))
    invalid = (Invalid(files={"airflow.cfg": "[elasticsearch]\nhost = https://elastic:hunter2@es.example.com:9200\n"},
                       line=2, contains="elastic:****@"),
               # MWAA sets the option, but a real password leaked with it: rotate it all the same
               Invalid(files={"airflow.cfg": "[database]\nsql_alchemy_conn = postgresql://airflow:hunter2@db/airflow\n"},
                       line=2, contains="airflow:****@"),
               Invalid(files={"docker-compose.yaml": "services:\n  web:\n    environment:\n"
                                                     "      AIRFLOW__SMTP__SMTP_PASSWORD: hunter2\n"},
                       line=4, contains="****"),
               # a password Airflow's config.yml does not mark sensitive
               Invalid(files={"airflow.cfg": "[ldap]\nbind_password = hunter2\n"}, line=2, contains="bind_password"))

    def check(self, project, ctx):
        for entry in project.config.entries:
            if _reported_secret(entry, ctx.target):
                yield self.finding(entry.path, Location(entry.line, 1, entry.line, 2),
                                   f"{entry.where} = {entry.shown_value()} is a credential in clear text: remove it "
                                   "from the repository, rotate it, and keep it in Secrets Manager",
                                   anchor=f"{entry.option}\x1f{entry.origin}")
