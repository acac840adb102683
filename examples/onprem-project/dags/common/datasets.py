"""Datasets shared between producer and consumer DAGs (Airflow 2 stack only).

Keep the URIs here so a producer and its consumers can never drift apart:
a typo in one place silently stops the consumer from ever being scheduled.
"""
from airflow.datasets import Dataset

# Written by clickstream_sessionize, one partition per hour.
CLICKSTREAM_SESSIONS = Dataset(
    "s3://acme-analytics-curated/clickstream/sessions/",
    extra={"owner": "web-analytics", "format": "parquet"},
)

# Written by the dwh_load_fct_pos_orders DAG once the hourly merge is done.
POS_ORDERS_DWH = Dataset(
    "postgres://dwh-pg01.corp.acme.local:5432/dwh/public/fct_pos_orders",
    extra={"owner": "data-eng"},
)

# Consumed by marketing_attribution; produced by the campaign-cost export that
# the marketing-ops team runs from their own Airflow (see DATA-1402).
CAMPAIGN_COSTS = Dataset(
    "s3://acme-marketing-exchange/campaign_costs/daily/",
    extra={"owner": "marketing-ops", "format": "csv"},
)

ALL_DATASETS = [CLICKSTREAM_SESSIONS, POS_ORDERS_DWH, CAMPAIGN_COSTS]


def describe(dataset):
    """Short label used in task docs and Slack messages."""
    owner = (dataset.extra or {}).get("owner", "unknown")
    return "{} (owner: {})".format(dataset.uri, owner)


def by_owner(owner):
    """All datasets a team is responsible for; used by the on-call runbook script."""
    return [d for d in ALL_DATASETS if (d.extra or {}).get("owner") == owner]
