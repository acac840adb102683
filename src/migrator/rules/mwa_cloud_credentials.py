"""MWA018: a cloud client left to find the platform's default credentials, which MWAA lacks."""

from __future__ import annotations

from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts
from migrator.compat.platform import default_credentials
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class CloudDefaultCredentialsRule(PythonRule):
    """
    ## What it does
    Reports Google Cloud clients built without credentials (`storage.Client()`,
    `secretmanager.SecretManagerServiceClient()`, `google.auth.default()`): they look for
    Application Default Credentials. A call given `credentials=` (or `**kwargs`, which may
    hold them) is left alone.

    ## Why it matters on MWAA
    On Cloud Composer or a GCP VM the defaults come from the metadata server, on-prem from a
    `gcloud` login or `GOOGLE_APPLICATION_CREDENTIALS`. An MWAA worker runs on AWS and has
    none of them: the call raises `google.auth.exceptions.DefaultCredentialsError`, in the
    task, or at every parse when a DAG file runs it at import time (a helper reading a secret
    for an operator's arguments) and the DAG does not load.

    ## Example
    ```python
    from google.cloud import secretmanager

    def access_secret(name):
        client = secretmanager.SecretManagerServiceClient()
        ...
    ```

    ## Fix
    Keep a service-account key in a `google_cloud_platform` connection (in Secrets Manager)
    and pass `credentials=GoogleBaseHook(gcp_conn_id=...).get_credentials()`, or use the Google
    provider's hooks and operators, which take `gcp_conn_id`. Secrets the DAGs read belong in
    AWS Secrets Manager on MWAA.

    ## References
    - https://cloud.google.com/docs/authentication/application-default-credentials
    - https://airflow.apache.org/docs/apache-airflow-providers-google/stable/connections/gcp.html
    """

    id = "MWA018"
    name = "cloud-default-credentials"
    severity = Severity.ERROR
    summary = "Cloud client relies on default credentials that MWAA workers do not have"
    needs_airflow_import = False
    valid = (
        Valid("""
            from airflow.providers.google.common.hooks.base_google import GoogleBaseHook
            from google.cloud import bigquery, storage

            credentials = GoogleBaseHook(gcp_conn_id="gcp").get_credentials()
            client = bigquery.Client(credentials=credentials, project="analytics")
            anonymous = storage.Client.create_anonymous_client()
        """),
        # **options may carry the credentials: nothing to say without knowing them.
        Valid("""
            from google.cloud import storage

            def client(**options):
                return storage.Client(**options)
        """),
        # Not a client of the cloud library (a project class that happens to end in Client).
        Valid("""
            from acme.api import ApiClient

            ApiClient()
        """),
    )
    invalid = (
        Invalid("""
            from google.cloud import secretmanager

            def access_secret(name):
                client = secretmanager.SecretManagerServiceClient()
                return client.access_secret_version(name=name)
        """, line=4, contains="Application Default Credentials"),
        Invalid("""
            import google.auth

            credentials, project = google.auth.default()
        """, line=3, contains="DefaultCredentialsError"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        clouds = default_credentials()
        for call, qualname in module.calls:
            if not qualname:
                continue
            keywords = [keyword.arg for keyword in call.keywords]
            for cloud in clouds:
                if cloud.uses_defaults(qualname, keywords):
                    yield self.at_node(module, call, (
                        f"{qualname}() without credentials looks for {cloud.what}, which an MWAA worker "
                        f"does not have (it runs on AWS): it raises {cloud.error}. Instead, {cloud.advice}"))
                    break
