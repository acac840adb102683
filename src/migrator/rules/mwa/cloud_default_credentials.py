"""MWA018: a cloud client left to find the platform's default credentials, which MWAA lacks."""

from __future__ import annotations

from collections.abc import Iterator

from migrator.analysis.python import ModuleFacts
from migrator.compat import default_credentials
from migrator.findings import Finding, Severity
from migrator.rules.base import Invalid, PythonRule, RuleContext, Valid


class CloudDefaultCredentialsRule(PythonRule):
    """
    ## What it does
    Reports Google Cloud clients built without credentials (`storage.Client()`,
    `secretmanager.SecretManagerServiceClient()`, `google.auth.default()`): they look for
    Application Default Credentials. A call given `credentials=` (or `**kwargs`, which may
    hold them) is left alone, and so is one MWAA never runs: in a module of the DAG folder
    that builds no DAG or task, that no other project file imports, outside its import-time
    code (a deploy script a CI workflow runs as `python dags/deploy.py`).

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
        # A deploy script in the DAG folder that CI runs and nothing imports: its main code
        # never runs on MWAA (Airflow may parse the file; its import-time code builds no client).
        Valid("""
            import argparse
            from google.cloud import storage

            def upload(bucket):
                storage.Client().bucket(bucket).blob("dags/x.py").upload_from_filename("x.py")

            if __name__ == "__main__":
                upload(argparse.ArgumentParser().parse_args().bucket)
        """, path="dags/deploy_to_composer.py",
              files={".github/workflows/deploy.yml": "jobs:\n  d:\n    steps:\n      - run: python dags/deploy_to_composer.py\n"}),
    )
    invalid = (
        # A helper a DAG file imports runs in its tasks (or while the DAG file loads).
        Invalid("""
            from google.cloud import secretmanager

            def access_secret(name):
                client = secretmanager.SecretManagerServiceClient()
                return client.access_secret_version(name=name)
        """, path="dags/gcp_secrets.py", line=4, contains="Application Default Credentials",
            files={"dags/report.py": "from gcp_secrets import access_secret\n\nTOKEN = access_secret('token')\n"}),
        # Nothing imports it, but the DAG processor imports the file and runs this line.
        Invalid("""
            import google.auth

            credentials, project = google.auth.default()
        """, line=3, contains="DefaultCredentialsError"),
    )

    def check(self, module: ModuleFacts, ctx: RuleContext) -> Iterator[Finding]:
        clouds = default_credentials()
        never_imported = module.module_name in ctx.index.unimported_modules and not (module.dags or module.tasks)
        for call, qualname in module.calls:
            if not qualname or (never_imported and not module.runs_at_import(call)):
                continue
            keywords = [keyword.arg for keyword in call.keywords]
            for cloud in clouds:
                if cloud.uses_defaults(qualname, keywords):
                    yield self.at_node(module, call, (
                        f"{qualname}() without credentials looks for {cloud.what}, which an MWAA worker "
                        f"does not have (it runs on AWS): it raises {cloud.error}. Instead, {cloud.advice}"))
                    break
