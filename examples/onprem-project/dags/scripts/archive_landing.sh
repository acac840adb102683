#!/usr/bin/env bash
# Archive one day of POS landing files after a successful ingest.
#
# Rendered by Airflow as a Jinja template (pos_sales_ingest.archive_landing),
# so {{ ds_nodash }} below is filled in before bash runs it.
#
# Layout on the NFS landing share:
#   /data/landing/pos/<yyyymmdd>/*.csv.gz      incoming batch (from etl-gw01)
#   /data/archive/pos/<yyyy>/<mm>/<yyyymmdd>.tar  archived batches, kept 400 days
set -euo pipefail

DAY="{{ ds_nodash }}"
LANDING="/data/landing/pos/${DAY}"
ARCHIVE_ROOT="/data/archive/pos"
ARCHIVE_DIR="${ARCHIVE_ROOT}/${DAY:0:4}/${DAY:4:2}"
KEEP_DAYS=400

if [[ ! -d "${LANDING}" ]]; then
  echo "Nothing to archive: ${LANDING} does not exist"
  exit 0
fi

mkdir -p "${ARCHIVE_DIR}"

# tar, not gzip: the files are already gzipped by the POS controllers.
tar -C "$(dirname "${LANDING}")" -cf "${ARCHIVE_DIR}/${DAY}.tar" "${DAY}"

# Verify before deleting anything; the NFS filer has bitten us before.
tar -tf "${ARCHIVE_DIR}/${DAY}.tar" > /dev/null
expected=$(find "${LANDING}" -type f | wc -l)
archived=$(tar -tf "${ARCHIVE_DIR}/${DAY}.tar" | grep -vc '/$' || true)
if [[ "${expected}" -ne "${archived}" ]]; then
  echo "Archive check failed: ${expected} files landed, ${archived} archived" >&2
  exit 1
fi

rm -rf "${LANDING}"
echo "Archived ${expected} files to ${ARCHIVE_DIR}/${DAY}.tar"

# Retention
find "${ARCHIVE_ROOT}" -name '*.tar' -mtime +"${KEEP_DAYS}" -print -delete
