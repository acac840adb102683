-- Generic merge from dwh_staging.<table> into dwh.<table>.
-- Rendered by every dwh_load_* DAG (warehouse_loads.py) with DAG params:
--   params.table   target table name
--   params.key     natural key column
--   params.source  source table on the POS MySQL replica (for the audit row)
-- The window is the DAG run's data interval.

BEGIN;

DELETE FROM dwh.{{ params.table }} t
 USING dwh_staging.{{ params.table }} s
 WHERE t.{{ params.key }} = s.{{ params.key }};

INSERT INTO dwh.{{ params.table }}
SELECT s.*
  FROM dwh_staging.{{ params.table }} s;

INSERT INTO audit.load_log (
       target_table,
       source_table,
       window_start,
       window_end,
       rows_merged,
       dag_run_id,
       loaded_at
)
SELECT '{{ params.table }}',
       '{{ params.source }}',
       TIMESTAMPTZ '{{ data_interval_start }}',
       TIMESTAMPTZ '{{ data_interval_end }}',
       COUNT(*),
       '{{ run_id }}',
       NOW()
  FROM dwh_staging.{{ params.table }};

COMMIT;
