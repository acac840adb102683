"""REQ011: Package index MWAA may not reach from a private network"""

from __future__ import annotations

from urllib.parse import urlsplit

from migrator.analysis.requirements import MWAA_PLUGINS_DIR, PUBLIC_INDEX_HOSTS, is_url
from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.req._helpers import _RequirementRule
from migrator.secrets import mask_uri


def _index_host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


class PrivateIndex(_RequirementRule):
    """
    ## What it does
    Reports `--index-url`, `--extra-index-url` and `--find-links` pointing at hosts other than
    PyPI, and credentials written into such URLs (shown masked).

    ## Why it matters on MWAA
    The requirements install runs inside your VPC. With private networking (or a private web
    server) there is no route to an on-prem Nexus/Artifactory, and the install times out and
    rolls back; credentials in the file end up in S3 and in the install log.

    ## Example
    ```text
    --extra-index-url https://deploy:s3cret@nexus.corp.example.com/repository/pypi/simple
    ```

    ## Fix
    Mirror the packages into AWS CodeArtifact (reachable through a VPC endpoint) and keep the
    token out of the file (`${AIRFLOW__FOO__TOKEN}` from a configuration option or
    `startup.sh`), or ship wheels in plugins.zip and use
    `--find-links /usr/local/airflow/plugins` with `--no-index`.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-dependencies.html
    - https://github.com/aws-samples/amazon-mwaa-examples/tree/main/usecases/mwaa-with-codeartifact
    """

    id = "REQ011"
    name = "private-index"
    severity = Severity.WARNING
    summary = "Package index MWAA may not reach from a private network"
    valid = (Valid(files={"requirements.txt": "--find-links /usr/local/airflow/plugins\n--no-index\nmy-lib==1.0\n"}),
             Valid(files={"requirements.txt": "--index-url https://pypi.org/simple\npandas==2.3.3\n"}))
    invalid = (Invalid(files={"requirements.txt": "--extra-index-url https://deploy:s3cret@nexus.corp.example.com/simple\n"},
                       line=1, contains="deploy:****@"),)

    def check_entry(self, project, ctx, entry):
        for option in project.requirements.options_of(entry, "index-url", "extra-index-url", "find-links"):
            value = option.value or ""
            if not is_url(value):
                continue  # local --find-links folders: local-path-requirement
            host = _index_host(value)
            if host in PUBLIC_INDEX_HOSTS:
                continue
            shown = mask_uri(value)
            if ".codeartifact." in host and host.endswith(".amazonaws.com"):
                advice = "CodeArtifact needs a VPC endpoint on private networks and a token kept out of the file"
            else:
                advice = ("a private-network environment cannot reach it: mirror into CodeArtifact or ship "
                          f"wheels in plugins.zip with --find-links {MWAA_PLUGINS_DIR} --no-index")
            if shown != value:
                advice += "; the URL holds credentials: move them to a configuration option or startup.sh"
            yield self.at_option(option, f"--{option.option} {shown}: {advice}")
