"""CFG005: Option has no effect on MWAA"""

from __future__ import annotations

from migrator.findings import Severity
from migrator.rules.base import Invalid, Valid
from migrator.rules.cfg._helpers import _OptionRule


class MeaninglessOption(_OptionRule):
    """
    ## What it does
    Reports options that only describe the on-prem installation (ports, bind hosts, local
    folders and log files, web server worker processes, Kubernetes/Dask/remote-logging
    settings) and options MWAA ignores (such as `celery.worker_concurrency`).

    ## Why it matters on MWAA
    MWAA runs and places these components itself: carrying the values over does nothing, and
    a value that looks effective (`worker_concurrency`) hides the setting that is
    (`celery.worker_autoscale`).

    ## Example
    ```ini
    [core]
    dags_folder = /opt/airflow/dags
    [webserver]
    web_server_port = 8080
    ```

    ## Fix
    Leave them out of the MWAA configuration options; use the MWAA setting named in the
    message where there is one.

    ## References
    - https://docs.aws.amazon.com/mwaa/latest/userguide/configuring-env-variables.html
    - https://docs.aws.amazon.com/mwaa/latest/userguide/best-practices-tuning.html
    """

    id = "CFG005"
    name = "meaningless-option"
    severity = Severity.INFO
    summary = "Option has no effect on MWAA"
    kinds = frozenset({"meaningless", "ignored"})
    valid = (Valid(files={"airflow.cfg": "[celery]\nworker_autoscale = 10,10\n"}),
             # a stock airflow.cfg: defaults ({AIRFLOW_HOME} filled in) and empty values set nothing
             Valid(files={"airflow.cfg": "[core]\ndags_folder = /home/etl/airflow/dags\n"
                                         "[webserver]\nweb_server_port = 8080\nweb_server_ssl_cert =\n"
                                         "[kubernetes]\nnamespace = default\n"}))
    invalid = (Invalid(files={"airflow.cfg": "[webserver]\nweb_server_port = 8443\n"}, line=2, contains="8443"),
               Invalid(files={".env": "AIRFLOW__WEBSERVER__WEB_SERVER_PORT=8080\n"}, line=1, contains="8080"),
               Invalid(files={"airflow.cfg": "[celery]\nworker_concurrency = 32\n"}, contains="worker_autoscale"))

    def check_entry(self, entry, verdict, ctx):
        yield self.at_entry(entry, f"{entry.where} = {entry.shown_value()} has no effect on MWAA: {verdict.reason}")
