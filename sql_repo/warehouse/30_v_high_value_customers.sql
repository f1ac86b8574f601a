-- High-value customers for the retention team's weekly call list.
-- Reads the feature table and the customer dimension; phone comes through unmasked
-- from analytics.customer_features, so this view is restricted to the retention
-- Lake Formation tag (LF-tag pii=restricted).
CREATE OR REPLACE VIEW analytics.v_high_value_customers AS
SELECT
    f.customer_id,
    d.full_name,
    f.email_hash,
    f.phone,
    f.country,
    f.order_count,
    f.total_amount,
    f.last_order_ts,
    f.country_spend_rank
FROM analytics.customer_features AS f
INNER JOIN analytics.customer_dim AS d
    ON d.customer_id = f.customer_id
WHERE f.spend_tier = 'high'
    AND f.last_order_ts >= current_timestamp - INTERVAL '180' DAY;
