"""Failure and SLA notifications for the data-eng on-call.

Two channels: the #data-eng-alerts Slack channel (webhook stored in the
``slack_data_alerts`` connection) and a plain e-mail through the corporate
relay, which is what the store-ops people actually read.
"""
import logging
import smtplib
from datetime import date
from email.mime.text import MIMEText

import holidays
import pkg_resources
import requests
from airflow.configuration import conf
from airflow.hooks.base_hook import BaseHook

log = logging.getLogger(__name__)

# The relay only accepts unauthenticated mail from the 10.20.0.0/16 server VLAN.
SMTP_RELAY = "smtp.corp.acme.local"
SMTP_PORT = 25
ALERT_SENDER = "airflow@acme-retail.example"
# The DR site mails its own store-ops list: [acme-retail] in airflow.cfg.
STORE_OPS_LIST = [
    conf.get("acme-retail", "store-ops-email", fallback="store-ops-data@acme-retail.example")
]
# Shown in every alert's footer: on-call asks "which Airflow?" first.
AIRFLOW_VERSION = pkg_resources.get_distribution("apache-airflow").version
# Alert links point at the pod logs of the namespace the KubernetesExecutor runs tasks in.
TASK_NAMESPACE = conf.get("kubernetes", "namespace")


def _post_to_slack(text):
    try:
        conn = BaseHook.get_connection("slack_data_alerts")
        webhook = "{}{}".format(conn.host, conn.password or "")
        requests.post(webhook, json={"text": text}, timeout=5)
    except Exception:  # alerting must never fail the task that called it
        log.exception("Slack alert failed")


def _send_mail(subject, body, to=None):
    msg = MIMEText(f"{body}\n\n-- Airflow {AIRFLOW_VERSION}")
    msg["Subject"] = subject
    msg["From"] = ALERT_SENDER
    msg["To"] = ", ".join(to or STORE_OPS_LIST)
    with smtplib.SMTP(SMTP_RELAY, SMTP_PORT, timeout=10) as relay:
        relay.send_message(msg)


def notify_failure(context):
    """on_failure_callback used by most DAGs through default_args."""
    ti = context["task_instance"]
    text = ":red_circle: {dag}.{task} failed (try {n}) for {ds}\n{url}".format(
        dag=ti.dag_id,
        task=ti.task_id,
        n=ti.try_number,
        ds=context["ds"],
        url=ti.log_url,
    )
    _post_to_slack(text)


def sla_miss_alert(dag, task_list, blocking_task_list, slas, blocking_tis):
    """sla_miss_callback: store ops want a mail when the morning numbers are late."""
    late = ", ".join(sorted({sla.task_id for sla in slas}))
    body = (
        "The following tasks in {dag} missed their SLA: {late}.\n"
        "Blocking tasks: {blocking}\n"
        "Dashboards will show yesterday's numbers until this is resolved."
    ).format(dag=dag.dag_id, late=late, blocking=blocking_task_list or "none")
    _post_to_slack(":hourglass: SLA miss in {}: {}".format(dag.dag_id, late))
    # Stores are closed on public holidays: nobody reads the numbers, so no mail.
    if date.today() not in holidays.country_holidays("US"):
        _send_mail("[Airflow] SLA miss: {}".format(dag.dag_id), body)
