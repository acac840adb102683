-- fct_daily_sales: one row per store x department x business day.
-- Source: stg_pos_transactions (built by pos_sales_ingest).
-- Idempotent: deletes and rebuilds the {{ ds }} partition.

BEGIN;

DELETE FROM dwh.fct_daily_sales
 WHERE business_date = DATE '{{ ds }}';

INSERT INTO dwh.fct_daily_sales (
       business_date,
       store_id,
       department_id,
       transactions,
       units_sold,
       gross_sales,
       discounts,
       net_sales,
       returns_value,
       loaded_at
)
SELECT t.business_date,
       t.store_id,
       p.department_id,
       COUNT(DISTINCT t.transaction_id)                          AS transactions,
       SUM(CASE WHEN t.line_type = 'SALE' THEN t.qty ELSE 0 END) AS units_sold,
       SUM(CASE WHEN t.line_type = 'SALE' THEN t.gross_amount ELSE 0 END),
       SUM(t.discount_amount),
       SUM(CASE WHEN t.line_type = 'SALE' THEN t.net_amount ELSE 0 END),
       SUM(CASE WHEN t.line_type = 'RETURN' THEN -t.net_amount ELSE 0 END),
       NOW()
  FROM staging.stg_pos_transactions t
  JOIN dwh.dim_product p
    ON p.sku = t.sku
   AND DATE '{{ ds }}' BETWEEN p.valid_from AND p.valid_to
 WHERE t.business_date = DATE '{{ ds }}'
   AND t.is_training_mode = FALSE  -- cashier training tills
 GROUP BY t.business_date, t.store_id, p.department_id;

-- Stores that sent nothing still get a zero row so the dashboard shows them.
INSERT INTO dwh.fct_daily_sales (business_date, store_id, department_id, transactions,
                                 units_sold, gross_sales, discounts, net_sales,
                                 returns_value, loaded_at)
SELECT DATE '{{ ds }}', s.store_id, -1, 0, 0, 0, 0, 0, 0, NOW()
  FROM dwh.dim_store s
 WHERE s.is_open_on(DATE '{{ ds }}')
   AND NOT EXISTS (SELECT 1 FROM dwh.fct_daily_sales f
                    WHERE f.business_date = DATE '{{ ds }}' AND f.store_id = s.store_id);

COMMIT;
