-- Marketing touchpoints for the attribution model.
-- One row per (order, session that touched it in the 30-day lookback),
-- with the channel of the session's landing page.
-- Rebuilt for orders placed on {{ yesterday_ds }} and {{ ds }}: the sessions
-- dataset is hourly, so the previous day keeps changing until midnight UTC.

DELETE FROM marketing.touchpoints
 WHERE order_date BETWEEN DATE '{{ yesterday_ds }}' AND DATE '{{ ds }}';

INSERT INTO marketing.touchpoints (
       order_id,
       order_date,
       visitor_id,
       session_id,
       session_start,
       channel,
       campaign_id,
       touch_position,
       touch_count
)
SELECT o.order_id,
       o.order_date,
       s.visitor_id,
       s.session_id,
       s.session_start,
       COALESCE(c.channel, 'direct')                                        AS channel,
       s.utm_campaign                                                       AS campaign_id,
       ROW_NUMBER() OVER (PARTITION BY o.order_id ORDER BY s.session_start) AS touch_position,
       COUNT(*)     OVER (PARTITION BY o.order_id)                          AS touch_count
  FROM dwh.fct_web_orders o
  JOIN lake.clickstream_sessions s
    ON s.visitor_id = o.visitor_id
   AND s.session_start BETWEEN o.ordered_at - INTERVAL '30 days' AND o.ordered_at
  LEFT JOIN marketing.channel_map c
    ON c.utm_source = s.utm_source
   AND c.utm_medium = s.utm_medium
 WHERE o.order_date BETWEEN DATE '{{ yesterday_ds }}' AND DATE '{{ ds }}';
