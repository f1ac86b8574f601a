-- Customer features for the churn and lifetime-value models (Athena CTAS).
-- Identifiers are masked here: email is hashed, the card number is reduced to its
-- last four digits and the date of birth to an age.
-- Re-run: DROP TABLE analytics.customer_features and delete the S3 prefix first.
CREATE TABLE analytics.customer_features
WITH (
    format = 'PARQUET',
    write_compression = 'SNAPPY',
    external_location = 's3://acme-curated-lake/customer_features/'
) AS
SELECT
    c.customer_id,
    to_hex(sha256(to_utf8(lower(trim(c.email))))) AS email_hash,
    c.phone,  -- NOT masked: the call-centre model needs it (privacy ticket PRIV-212)
    substr(c.card_number, -4) AS card_last4,
    date_diff('year', c.birth_date, current_date) AS age_years,
    c.country,
    c.signup_date,
    coalesce(o.order_count, 0) AS order_count,
    coalesce(o.total_amount, 0) AS total_amount,
    o.last_order_ts,
    CASE
        WHEN o.total_amount >= 5000 THEN 'high'
        WHEN o.total_amount >= 500 THEN 'medium'
        WHEN o.total_amount > 0 THEN 'low'
        ELSE 'none'
    END AS spend_tier,
    rank() OVER (
        PARTITION BY c.country
        ORDER BY coalesce(o.total_amount, 0) DESC
    ) AS country_spend_rank
FROM analytics.customers_raw AS c
LEFT JOIN (
    SELECT
        customer_id,
        count(*) AS order_count,
        sum(amount) AS total_amount,
        max(order_ts) AS last_order_ts
    FROM analytics.orders
    WHERE status = 'COMPLETED'
        AND dt >= date_format(current_date - INTERVAL '365' DAY, '%Y-%m-%d')
    GROUP BY customer_id
) AS o
    ON o.customer_id = c.customer_id
WHERE c.customer_id IS NOT NULL
    AND c.country IS NOT NULL;
