-- Slowly changing (type 1) customer dimension, upserted from the raw CRM export.
-- analytics.customer_dim is an Iceberg table (Athena MERGE needs Iceberg).
-- The email is hashed before it lands here; full_name is kept for the CRM UI.
MERGE INTO analytics.customer_dim AS d
USING (
    SELECT
        customer_id,
        full_name,
        to_hex(sha256(to_utf8(lower(trim(email))))) AS email_hash,
        country,
        signup_date
    FROM analytics.customers_raw
    WHERE customer_id IS NOT NULL
) AS s
    ON d.customer_id = s.customer_id
WHEN MATCHED THEN
    UPDATE SET
        full_name = s.full_name,
        email_hash = s.email_hash,
        country = s.country,
        updated_at = current_timestamp
WHEN NOT MATCHED THEN
    INSERT (customer_id, full_name, email_hash, country, signup_date, updated_at)
    VALUES (s.customer_id, s.full_name, s.email_hash, s.country, s.signup_date, current_timestamp);
