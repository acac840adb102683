-- End-of-day on-hand snapshot, one row per store x SKU.
-- Rendered by store_inventory_snapshot: once per region (SubDAG) with
-- params.region = '<region>', then once with params.region = 'all' to rebuild
-- the chain-wide table from the regional ones.
--
-- The POS "day" closes at 04:00 local time, so a snapshot for execution_date
-- D covers movements up to next_ds 04:00.

{% if params.region != 'all' %}

DELETE FROM inventory.snapshot_{{ params.region }}
 WHERE snapshot_date = DATE '{{ ds }}';

INSERT INTO inventory.snapshot_{{ params.region }}
       (snapshot_date, store_id, sku, on_hand_qty, on_order_qty, snapshot_ts)
SELECT DATE '{{ ds }}'                       AS snapshot_date,
       m.store_id,
       m.sku,
       SUM(m.qty_delta)                      AS on_hand_qty,
       COALESCE(MAX(po.open_qty), 0)         AS on_order_qty,
       TIMESTAMP '{{ execution_date }}'      AS snapshot_ts
  FROM {{ params.region }}.stock_movements m
  LEFT JOIN {{ params.region }}.open_purchase_orders po
         ON po.store_id = m.store_id
        AND po.sku = m.sku
 WHERE m.movement_ts < TIMESTAMP '{{ next_ds }} 04:00:00'
 GROUP BY m.store_id, m.sku;

{% else %}

DELETE FROM inventory.snapshot_chain
 WHERE snapshot_date = DATE '{{ ds }}';

INSERT INTO inventory.snapshot_chain
       (snapshot_date, region, store_id, sku, on_hand_qty, on_order_qty, snapshot_ts)
SELECT snapshot_date, 'northeast', store_id, sku, on_hand_qty, on_order_qty, snapshot_ts
  FROM inventory.snapshot_northeast WHERE snapshot_date = DATE '{{ ds }}'
UNION ALL
SELECT snapshot_date, 'southeast', store_id, sku, on_hand_qty, on_order_qty, snapshot_ts
  FROM inventory.snapshot_southeast WHERE snapshot_date = DATE '{{ ds }}'
UNION ALL
SELECT snapshot_date, 'midwest', store_id, sku, on_hand_qty, on_order_qty, snapshot_ts
  FROM inventory.snapshot_midwest WHERE snapshot_date = DATE '{{ ds }}'
UNION ALL
SELECT snapshot_date, 'west', store_id, sku, on_hand_qty, on_order_qty, snapshot_ts
  FROM inventory.snapshot_west WHERE snapshot_date = DATE '{{ ds }}';

{% endif %}
