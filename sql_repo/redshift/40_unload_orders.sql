-- Nightly export of recent orders for the partner-reporting team (Redshift, cluster
-- `acme-dw`). analytics is an external schema over the Glue catalog (Redshift
-- Spectrum), so the UNLOAD reads the same Parquet files Athena does.
UNLOAD ('select order_id, customer_id, order_ts, amount, currency, status, product_code, dt
         from analytics.orders
         where status in (''COMPLETED'', ''REFUNDED'')
           and order_ts >= dateadd(day, -30, current_date)')
TO 's3://acme-curated-lake/exports/orders/'
IAM_ROLE 'arn:aws:iam::123456789012:role/RedshiftUnload'
FORMAT AS PARQUET
PARTITION BY (dt)
ALLOWOVERWRITE;

-- The BI cluster keeps a local copy of the same export for dashboards that cannot use
-- Spectrum.
TRUNCATE reporting.orders_export;

COPY reporting.orders_export
FROM 's3://acme-curated-lake/exports/orders/'
IAM_ROLE 'arn:aws:iam::123456789012:role/RedshiftUnload'
FORMAT AS PARQUET;
