-- case: plain select reads its tables
-- kinds: SELECT
-- targets: none
-- sources: orders
-- edges: none
SELECT id, amount FROM orders WHERE amount > 10;

-- case: select join two schemas
-- targets: none
-- sources: sales.orders, crm.customers
SELECT o.id, c.name FROM sales.orders o JOIN crm.customers c ON c.id = o.customer_id;

-- case: ctas identity and rename
-- kinds: CREATE TABLE AS
-- targets: mart.t
-- sources: src.a
-- edges: mart.t.id <- src.a.id identity | mart.t.label <- src.a.name rename
CREATE TABLE mart.t AS SELECT id, name AS label FROM src.a;

-- case: create view
-- kinds: CREATE VIEW
-- targets: v_orders
-- sources: orders
-- edges: v_orders.id <- orders.id identity | v_orders.total <- orders.amount cast
CREATE VIEW v_orders AS SELECT id, CAST(amount AS DOUBLE) AS total FROM orders;

-- case: create or replace view
-- kinds: CREATE VIEW
-- targets: rpt.v
-- sources: rpt.base
-- edges: rpt.v.x <- rpt.base.x identity
CREATE OR REPLACE VIEW rpt.v AS SELECT x FROM rpt.base;

-- case: materialized view postgres
-- dialect: postgres
-- kinds: CREATE MATERIALIZED VIEW
-- targets: mv_daily
-- sources: events
-- edges: mv_daily.day <- events.ts expression | mv_daily.n <- events.id aggregate
CREATE MATERIALIZED VIEW mv_daily AS SELECT date_trunc('day', ts) AS day, count(id) AS n FROM events GROUP BY 1;

-- case: insert with column list maps positionally
-- kinds: INSERT
-- targets: dst
-- sources: src
-- edges: dst.a <- src.x rename | dst.b <- src.y rename
INSERT INTO dst (a, b) SELECT x, y FROM src;

-- case: insert without column list uses select names
-- targets: dst
-- sources: src
-- edges: dst.x <- src.x identity | dst.z <- src.y rename
INSERT INTO dst SELECT x, y AS z FROM src;

-- case: insert without list positional onto schema
-- schema: {"dst": {"a": "int", "b": "int"}}
-- targets: dst
-- sources: src
-- edges: dst.a <- src.x rename | dst.b <- src.y rename
INSERT INTO dst SELECT x, y FROM src;

-- case: insert values has no sources
-- kinds: INSERT
-- targets: dst
-- sources: none
-- edges: none
INSERT INTO dst (a, b) VALUES (1, 'x'), (2, 'y');

-- case: insert overwrite hive static partition
-- dialect: hive
-- kinds: INSERT OVERWRITE
-- targets: db.t
-- sources: db.s
-- edges: db.t.a <- db.s.a identity | db.t.b <- db.s.b identity
INSERT OVERWRITE TABLE db.t PARTITION (dt = '2024-01-01') SELECT a, b FROM db.s;

-- case: insert overwrite spark dynamic partition with schema
-- dialect: spark
-- schema: {"db.t": {"a": "int", "b": "int", "dt": "string"}}
-- targets: db.t
-- sources: db.s
-- edges: db.t.a <- db.s.x rename | db.t.b <- db.s.y rename | db.t.dt <- db.s.day rename
INSERT OVERWRITE TABLE db.t PARTITION (dt) SELECT x, y, day FROM db.s;

-- case: insert overwrite directory spark
-- dialect: spark
-- kinds: INSERT OVERWRITE DIRECTORY
-- targets: s3://bucket/out/
-- sources: db.s
-- edges: s3://bucket/out/.a <- db.s.a identity
INSERT OVERWRITE DIRECTORY 's3://bucket/out/' SELECT a FROM db.s;

-- case: merge update and insert
-- kinds: MERGE
-- targets: dim
-- sources: stage
-- edges: dim.name <- stage.name identity | dim.id <- stage.id identity | dim.seen <- stage.ts rename
MERGE INTO dim d USING stage s ON d.id = s.id
WHEN MATCHED THEN UPDATE SET name = s.name, seen = s.ts
WHEN NOT MATCHED THEN INSERT (id, name, seen) VALUES (s.id, s.name, s.ts);

-- case: merge using subquery with transform
-- dialect: snowflake
-- targets: dw.customers
-- sources: raw.customers
-- edges: dw.customers.email_hash <- raw.customers.email masking | dw.customers.id <- raw.customers.id identity
MERGE INTO dw.customers t
USING (SELECT id, sha2(email, 256) AS email_hash FROM raw.customers) s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET t.email_hash = s.email_hash
WHEN NOT MATCHED THEN INSERT (id, email_hash) VALUES (s.id, s.email_hash);

-- case: merge delete branch only
-- targets: t
-- sources: gone
-- edges: none
MERGE INTO t USING gone g ON t.id = g.id WHEN MATCHED THEN DELETE;

-- case: update set from postgres
-- dialect: postgres
-- kinds: UPDATE
-- targets: accounts
-- sources: payments
-- edges: accounts.balance <- payments.amount expression | accounts.balance <- accounts.balance expression
UPDATE accounts SET balance = accounts.balance + p.amount FROM payments p WHERE p.account_id = accounts.id;

-- case: update constant has no edges
-- kinds: UPDATE
-- targets: t
-- sources: none
-- edges: none
UPDATE t SET flag = 1 WHERE id = 3;

-- case: update tsql alias target
-- dialect: tsql
-- targets: dbo.orders
-- sources: dbo.customers
-- edges: dbo.orders.region <- dbo.customers.region identity
UPDATE o SET region = c.region FROM dbo.orders o JOIN dbo.customers c ON c.id = o.customer_id;

-- case: delete simple moves no data
-- kinds: DELETE
-- targets: none
-- sources: none
DELETE FROM t WHERE id < 10;

-- case: delete using moves no data
-- dialect: postgres
-- kinds: DELETE
-- targets: none
-- sources: none
DELETE FROM orders USING blocked b WHERE orders.customer_id = b.customer_id;

-- case: delete with subquery moves no data
-- targets: none
-- sources: none
DELETE FROM orders WHERE customer_id IN (SELECT id FROM blocked_customers);

-- case: external table location links path
-- dialect: athena
-- kinds: CREATE EXTERNAL TABLE
-- targets: lake.events
-- sources: s3://lake/events/
-- edges: lake.events.* <- s3://lake/events/.* identity
CREATE EXTERNAL TABLE lake.events (id string, ts timestamp) STORED AS PARQUET LOCATION 's3://lake/events/';

-- case: hive external table with partition
-- dialect: hive
-- targets: db.logs
-- sources: s3://logs-bucket/app/
CREATE EXTERNAL TABLE IF NOT EXISTS db.logs (line string) PARTITIONED BY (dt string) LOCATION 's3://logs-bucket/app/';

-- case: plain create table has no sources
-- kinds: CREATE TABLE
-- targets: t
-- sources: none
-- edges: none
CREATE TABLE t (a INT, b VARCHAR(10));

-- case: ctas athena with external location
-- dialect: athena
-- targets: db.out, s3://bucket/out/
-- sources: db.src
-- edges: db.out.a <- db.src.a identity
CREATE TABLE db.out WITH (format = 'PARQUET', external_location = 's3://bucket/out/') AS SELECT a FROM db.src;

-- case: copy into redshift from s3
-- dialect: redshift
-- kinds: COPY
-- targets: public.sales
-- sources: s3://in/sales/
-- edges: public.sales.* <- s3://in/sales/.* identity
COPY public.sales FROM 's3://in/sales/' IAM_ROLE 'arn:aws:iam::1:role/r' FORMAT AS PARQUET;

-- case: unload redshift
-- dialect: redshift
-- kinds: UNLOAD
-- targets: s3://out/x/
-- sources: public.sales
-- edges: s3://out/x/.id <- public.sales.id identity | s3://out/x/.amt <- public.sales.amount rename
UNLOAD ('select id, amount as amt from public.sales where amount > 0') TO 's3://out/x/' IAM_ROLE 'arn:aws:iam::1:role/r';

-- case: postgres copy to file
-- dialect: postgres
-- targets: /tmp/out.csv
-- sources: t
COPY t TO '/tmp/out.csv';

-- case: snowflake copy into table from stage
-- dialect: snowflake
-- targets: raw.events
-- sources: @landing/events/
COPY INTO raw.events FROM @landing/events/;

-- case: alter table rename alone moves no data
-- dialect: athena
-- kinds: ALTER TABLE RENAME
-- targets: none
-- sources: none
-- edges: none
ALTER TABLE db.old_t RENAME TO db.new_t;

-- case: rename carries what the script wrote to the new name
-- dialect: hive
-- kinds: INSERT OVERWRITE, ALTER TABLE RENAME
-- targets: db.t3
-- sources: db.t2
-- edges: db.t3.a <- db.t2.a identity
INSERT OVERWRITE TABLE db.t1 SELECT a FROM db.t2;
ALTER TABLE db.t1 RENAME TO db.t3;

-- case: snowflake swap publishes the second table under the first name
-- dialect: snowflake
-- kinds: ALTER TABLE SWAP
-- targets: a
-- sources: b
ALTER TABLE a SWAP WITH b;

-- case: drop only
-- kinds: DROP TABLE
-- targets: none
-- sources: none
DROP TABLE IF EXISTS old_stuff;

-- case: truncate moves no data
-- kinds: TRUNCATE
-- targets: none
-- sources: none
TRUNCATE TABLE t;

-- case: non lineage statements are skipped without error
-- dialect: spark
-- kinds: SET, CACHE, ANALYZE, USE
-- targets: none
-- sources: none
SET spark.sql.shuffle.partitions = 10;
CACHE TABLE db.t;
ANALYZE TABLE db.t COMPUTE STATISTICS;
USE db;

-- case: use changes default database
-- dialect: hive
-- targets: sales.daily
-- sources: sales.orders
-- edges: sales.daily.id <- sales.orders.id identity
USE sales;
CREATE TABLE daily AS SELECT id FROM orders;

-- case: use then qualified name kept
-- dialect: spark
-- targets: other.t
-- sources: sales.s
USE sales;
INSERT INTO other.t SELECT a FROM s;

-- case: msck repair and grant recognised
-- dialect: athena
-- errors: 0
-- targets: none
-- sources: none
MSCK REPAIR TABLE db.t;

-- case: select into tsql temp
-- dialect: tsql
-- kinds: SELECT INTO, SELECT
-- targets: none
-- sources: dbo.orders
SELECT id, amount INTO #big FROM dbo.orders WHERE amount > 100;
SELECT id FROM #big;

-- case: spark cache table as select
-- dialect: spark
-- targets: none
-- sources: db.orders
-- edges: none
CACHE TABLE recent AS SELECT id FROM db.orders;
SELECT id FROM recent;

-- case: create table like
-- dialect: databricks
-- targets: db.copy_t
-- sources: db.orig
CREATE TABLE db.copy_t LIKE db.orig;

-- case: snowflake clone
-- dialect: snowflake
-- targets: dev.orders
-- sources: prod.orders
CREATE TABLE dev.orders CLONE prod.orders;

-- case: create temp table postgres
-- dialect: postgres
-- targets: tmp_x
-- sources: x
-- edges: tmp_x.a <- x.a identity
CREATE TEMP TABLE tmp_x AS SELECT a FROM x;

-- case: with insert trino
-- dialect: trino
-- targets: hive.db.t
-- sources: hive.db.s
-- edges: hive.db.t.n <- hive.db.s.id aggregate
INSERT INTO hive.db.t WITH c AS (SELECT id FROM hive.db.s) SELECT count(id) AS n FROM c;

-- case: values select no sources
-- targets: none
-- sources: none
SELECT * FROM (VALUES (1, 2)) AS v(a, b);
