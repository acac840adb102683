#!/usr/bin/env bash
# Exit 0 when late partitions arrived for the given day (downstream DAGs must
# be re-run), 99 when there is nothing to do (BashOperator marks the task
# skipped on 99).
#
# Usage: rerun_if_late.sh <yyyy-mm-dd>
#
# "Late" means an HDFS partition directory for <day> whose modification time
# is after the daily_sales_rollup run for that day finished. The rollup writes
# its finish time to /data/ops/markers/daily_sales_rollup/<day>.done.
set -euo pipefail

DAY="${1:?usage: rerun_if_late.sh <yyyy-mm-dd>}"
MARKER="/data/ops/markers/daily_sales_rollup/${DAY}.done"
TABLES=(pos_transactions web_orders loyalty_events)

if [[ ! -f "${MARKER}" ]]; then
  echo "Rollup for ${DAY} has not finished yet; nothing to re-run"
  exit 99
fi

rollup_done=$(stat -c %Y "${MARKER}")
late=0

kinit -kt /home/airflow/keys/etl.keytab etl@CORP.ACME.LOCAL

for table in "${TABLES[@]}"; do
  # hdfs dfs -stat %Y prints the modification time in milliseconds.
  part="hdfs:///warehouse/raw/${table}/dt=${DAY}"
  if ! hdfs dfs -test -d "${part}"; then
    continue
  fi
  modified_ms=$(hdfs dfs -stat %Y "${part}")
  if (( modified_ms / 1000 > rollup_done )); then
    echo "Late data in ${table} for ${DAY}"
    late=1
  fi
done

if (( late == 0 )); then
  echo "No late partitions for ${DAY}"
  exit 99
fi
exit 0
