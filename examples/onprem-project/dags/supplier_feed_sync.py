"""
Supplier feed sync (Airflow 2 stack).

Pulls the cost-price and lead-time feeds our suppliers publish on the
Supplier Hub, one task per feed, and drops them on the landing share for the
nightly merchandising load. The list of feeds comes from the hub itself so a
new supplier shows up without a deploy.

Triggered by the merch team from the UI or by the hub's webhook relay; the
daily run is the safety net.
"""
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

import requests
from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.models import Variable
from airflow.operators.python import PythonOperator
from airflow.providers.http.operators.http import SimpleHttpOperator

log = logging.getLogger(__name__)

SUPPLIER_API_BASE = Variable.get("supplier_api_base")
ACTIVE_SUPPLIERS = json.loads(Variable.get("active_supplier_ids", default_var="[]"))
LANDING_ROOT = Path("/data/landing/suppliers")

# TODO(priya): move into the supplier_hub_api connection extra (DATA-1312)
SUPPLIER_HUB_API_KEY = "example-not-a-real-key-7c1e"

_hub = BaseHook.get_connection("supplier_hub_api")
HUB_TIMEOUT = int(_hub.extra_dejson.get("timeout", 30))

try:
    FEEDS = requests.get(
        f"{SUPPLIER_API_BASE}/feeds",
        headers={"X-Api-Key": SUPPLIER_HUB_API_KEY},
        params={"supplier": ",".join(ACTIVE_SUPPLIERS)},
        timeout=HUB_TIMEOUT,
    ).json()["feeds"]
except Exception:  # the hub is flaky; never break the DAG file over it
    log.warning("Supplier Hub unreachable, using the fallback feed list")
    FEEDS = ["cost_price", "lead_time", "case_pack"]

default_args = {
    "owner": "merch-data",
    "retries": 4,
    "retry_delay": timedelta(minutes=3),
    "retry_exponential_backoff": True,
}


def _store_feed(feed, ti, ds, **_):
    payload = ti.xcom_pull(task_ids=f"pull_{feed}")
    path = LANDING_ROOT / ds / f"{feed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(payload)
    return str(path)


with DAG(
    dag_id="supplier_feed_sync",
    description="Supplier Hub feeds -> /data/landing/suppliers",
    default_args=default_args,
    start_date=datetime.now() - timedelta(days=1),
    default_view="tree",
    fail_stop=True,
    max_active_runs=2,
    tags=["merchandising", "suppliers", "api"],
    # The merch team sets this when they trigger a re-pull from the UI.
    params={"changed_since": datetime(2024, 1, 1)},
) as dag:

    for feed in FEEDS:
        pull = SimpleHttpOperator(
            task_id=f"pull_{feed}",
            http_conn_id="supplier_hub_api",
            endpoint=f"v2/feeds/{feed}/export",
            method="GET",
            data={"date": "{{ ds }}", "format": "json"},
            headers={"X-Api-Key": SUPPLIER_HUB_API_KEY},
            response_check=lambda response: response.status_code == 200,
            log_response=False,
        )
        store = PythonOperator(
            task_id=f"store_{feed}",
            python_callable=_store_feed,
            op_kwargs={"feed": feed},
        )
        pull >> store
