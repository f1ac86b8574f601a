-- Daily revenue per currency for the finance dashboard. Runs every morning from the
-- Step Functions state machine `warehouse-daily` and reloads yesterday's partition.
-- analytics.daily_revenue is an Iceberg table, so the DELETE makes reruns idempotent.
DELETE FROM analytics.daily_revenue
WHERE dt = date_format(current_date - INTERVAL '1' DAY, '%Y-%m-%d');

INSERT INTO analytics.daily_revenue (dt, currency, revenue, orders)
WITH completed AS (
    -- Refunds are booked as separate negative orders, so only COMPLETED rows count.
    SELECT
        dt,
        upper(currency) AS currency,
        amount,
        order_id
    FROM analytics.orders
    WHERE status = 'COMPLETED'
        AND dt = date_format(current_date - INTERVAL '1' DAY, '%Y-%m-%d')
)
SELECT
    dt,
    currency,
    sum(amount) AS revenue,
    count(DISTINCT order_id) AS orders
FROM completed
GROUP BY dt, currency;
