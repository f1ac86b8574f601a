-- Curated orders, written hourly by the Glue job `orders-curate` as Snappy Parquet,
-- one partition per order date. Partition projection means no MSCK REPAIR is needed.
CREATE EXTERNAL TABLE IF NOT EXISTS analytics.orders (
    order_id      string,
    customer_id   string,
    order_ts      timestamp,
    amount        decimal(12, 2),
    currency      string         COMMENT 'ISO 4217',
    status        string         COMMENT 'PLACED | COMPLETED | CANCELLED | REFUNDED',
    product_code  string,
    order_number  string         COMMENT 'Human-facing order number printed on receipts'
)
PARTITIONED BY (dt string)
STORED AS PARQUET
LOCATION 's3://acme-curated-lake/orders/'
TBLPROPERTIES (
    'parquet.compression' = 'SNAPPY',
    'projection.enabled' = 'true',
    'projection.dt.type' = 'date',
    'projection.dt.format' = 'yyyy-MM-dd',
    'projection.dt.range' = '2024-01-01,NOW',
    'storage.location.template' = 's3://acme-curated-lake/orders/dt=${dt}/'
);
