#!/usr/bin/env bash
# Entrypoint for the Airflow 2 stack image (see Dockerfile).
#
# 1. Exports settings that depend on the host the container runs on.
# 2. On the webserver container only: migrates the DB and (re)creates the
#    connections that are not in .env because they are shared with the VMs.
# 3. Hands over to the upstream apache/airflow entrypoint.
set -euo pipefail

# Sized for the 16-core compose host (etl-af2-01); the VMs use airflow.cfg.
export AIRFLOW__CORE__PARALLELISM=48
export AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG=16
export AIRFLOW__SCHEDULER__PARSING_PROCESSES=4
export AIRFLOW__CORE__DEFAULT_TIMEZONE=America/New_York
export AIRFLOW__SMTP__SMTP_HOST=smtp.corp.acme.local
export AIRFLOW__SMTP__SMTP_PORT=25
export AIRFLOW__SMTP__SMTP_MAIL_FROM=airflow@acme-retail.example
export AIRFLOW__WEBSERVER__BASE_URL="http://$(hostname -f):8080"
export AIRFLOW__METRICS__STATSD_ON=True
export AIRFLOW__METRICS__STATSD_HOST=localhost
export AIRFLOW__METRICS__STATSD_PORT=8125

# Kerberos ticket for HDFS/Hive; refreshed by the kinit sidecar afterwards.
if [[ -f /home/airflow/keys/etl.keytab ]]; then
  kinit -kt /home/airflow/keys/etl.keytab etl@CORP.ACME.LOCAL || echo "kinit failed, continuing"
fi

add_connection() {
  # `connections add` fails if the id exists; delete first so edits here win.
  local conn_id="$1"; shift
  airflow connections delete "${conn_id}" >/dev/null 2>&1 || true
  airflow connections add "${conn_id}" "$@"
}

if [[ "${1:-}" == "webserver" ]]; then
  airflow db upgrade

  add_connection etl_gateway_ssh \
    --conn-type ssh \
    --conn-host etl-gw01.corp.acme.local \
    --conn-login etl \
    --conn-port 22 \
    --conn-extra '{"key_file": "/home/airflow/keys/etl_gw_rsa", "no_host_key_check": true}'

  add_connection hive_metastore \
    --conn-uri 'hive-metastore://hive-srv01.corp.acme.local:9083?auth_mechanism=GSSAPI&kerberos_service_name=hive'

  add_connection erp_oracle \
    --conn-type oracle \
    --conn-host 10.20.31.15 \
    --conn-port 1521 \
    --conn-login acme_ro \
    --conn-password 'not-a-real-password-123' \
    --conn-extra '{"service_name": "ERPPRD"}'
fi

exec /entrypoint "$@"
