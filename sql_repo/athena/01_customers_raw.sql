-- Raw customer export from the CRM, landed nightly as CSV by the ingestion Lambda.
-- Owner: data-platform. Contains direct identifiers (email, phone, RRN, card number, IP):
-- nothing downstream may read this table except the masking jobs in athena/04 and
-- warehouse/20.
CREATE EXTERNAL TABLE IF NOT EXISTS analytics.customers_raw (
    customer_id  string  COMMENT 'CRM customer key',
    full_name    string  COMMENT 'PII: name',
    email        string  COMMENT 'PII: email address',
    phone        string  COMMENT 'PII: phone number',
    rrn          string  COMMENT 'PII: resident registration number',
    card_number  string  COMMENT 'PII: payment card number (PAN)',
    ip_address   string  COMMENT 'PII: last login IP',
    birth_date   date    COMMENT 'PII: date of birth',
    address      string  COMMENT 'PII: postal address',
    country      string  COMMENT 'ISO 3166-1 alpha-2',
    signup_date  date
)
COMMENT 'CRM customer export (raw, unmasked)'
ROW FORMAT DELIMITED
    FIELDS TERMINATED BY ','
    LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://acme-raw-landing/customers/'
TBLPROPERTIES (
    'skip.header.line.count' = '1',
    'classification' = 'csv'
);
