#!/usr/bin/env bash
# Sourced by the ops scripts on the VMs: the audit database (OPS-77), where
# psql cannot read ~/.pgpass from cron.
export OPS_DB_HOST=ops-db01.corp.acme.local
export OPS_DB_USER=ops_writer
export OPS_DB_PASSWORD=not-a-real-password-123
