-- case: bigquery procedure body analysed statement by statement
-- dialect: bigquery
-- kinds: CREATE PROCEDURE, DECLARE, INSERT, SET, DELETE
-- targets: ds.target
-- sources: ds.src
-- edges: ds.target.a <- ds.src.a identity | ds.target.b <- ds.src.b identity
CREATE OR REPLACE PROCEDURE ds.load_target(p INT64)
BEGIN
  DECLARE n INT64 DEFAULT 0;
  INSERT INTO ds.target (a, b) SELECT a, b FROM ds.src WHERE a > p;
  SET n = (SELECT count(*) FROM ds.target);
  IF n > 0 THEN
    DELETE FROM ds.stage WHERE TRUE;
  END IF;
END;

-- case: bigquery script block with a temp table chained through
-- dialect: bigquery
-- kinds: CREATE TABLE AS, INSERT
-- targets: ds.out
-- sources: ds.raw
-- edges: ds.out.id <- ds.raw.id identity | ds.out.v <- ds.raw.v expression
BEGIN
  CREATE TEMP TABLE tmp AS SELECT id, v * 2 AS v FROM ds.raw;
  INSERT INTO ds.out SELECT id, v FROM tmp;
END;

-- case: bigquery loop and exception handler bodies
-- dialect: bigquery
-- targets: ds.log, ds.errors
-- sources: ds.queue
WHILE (SELECT count(*) FROM ds.queue) > 0 DO
  INSERT INTO ds.log SELECT id FROM ds.queue;
END WHILE;
BEGIN
  SELECT 1;
EXCEPTION WHEN ERROR THEN
  INSERT INTO ds.errors (msg) VALUES ('failed');
END;

-- case: tsql procedure without semicolons
-- dialect: tsql
-- kinds: CREATE PROCEDURE, SET, INSERT, UPDATE
-- targets: dbo.orders_hist, dbo.orders
-- sources: dbo.orders
-- edges: dbo.orders_hist.id <- dbo.orders.id identity | dbo.orders_hist.amount <- dbo.orders.amount identity
CREATE PROCEDURE dbo.load_orders @d DATE AS
BEGIN
    SET NOCOUNT ON
    INSERT INTO dbo.orders_hist (id, amount) SELECT id, amount FROM dbo.orders WHERE d = @d
    UPDATE t SET t.flag = 1 FROM dbo.orders t
END

-- case: tsql batch without semicolons chains a temp table
-- dialect: tsql
-- kinds: SELECT INTO, INSERT, DROP TABLE
-- targets: dbo.report
-- sources: dbo.sales, dbo.regions
-- edges: dbo.report.region <- dbo.regions.name rename | dbo.report.total <- dbo.sales.amount aggregate
SELECT region_id, SUM(amount) AS total INTO #totals FROM dbo.sales GROUP BY region_id
INSERT INTO dbo.report (region, total)
SELECT r.name, t.total FROM #totals t JOIN dbo.regions r ON r.id = t.region_id
DROP TABLE #totals

-- case: tsql if else blocks and a cte statement without semicolons
-- dialect: tsql
-- kinds: DECLARE, INSERT, INSERT
-- targets: dbo.a, dbo.b
-- sources: dbo.src
DECLARE @n INT = 1
IF @n > 0
BEGIN
    WITH c AS (SELECT id FROM dbo.src WITH (NOLOCK)) INSERT INTO dbo.a (id) SELECT id FROM c
END
ELSE
    INSERT INTO dbo.b (id) SELECT id FROM dbo.src

-- case: tsql merge keeps its nested update and insert
-- dialect: tsql
-- kinds: MERGE, SELECT
-- targets: dbo.t
-- sources: dbo.s, dbo.audit
MERGE INTO dbo.t AS t USING dbo.s AS s ON t.id = s.id
WHEN MATCHED THEN UPDATE SET t.v = s.v
WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)
SELECT * FROM dbo.audit

-- case: snowflake scripting procedure in dollar quotes
-- dialect: snowflake
-- kinds: CREATE PROCEDURE, SELECT, INSERT
-- targets: db.s.t1
-- sources: db.s.t2, db.s.cfg
-- edges: db.s.t1.a <- db.s.t2.a identity
CREATE OR REPLACE PROCEDURE db.s.load_t1()
RETURNS VARCHAR
LANGUAGE SQL
AS
$$
DECLARE
  n INTEGER DEFAULT 0;
BEGIN
  SELECT count(*) INTO :n FROM db.s.cfg;
  IF (n > 0) THEN
    INSERT INTO db.s.t1 SELECT a FROM db.s.t2;
  END IF;
  RETURN 'ok';
END;
$$;

-- case: snowflake javascript procedure body is not SQL
-- dialect: snowflake
-- kinds: CREATE PROCEDURE
-- targets: none
-- sources: none
CREATE OR REPLACE PROCEDURE p() RETURNS VARCHAR LANGUAGE JAVASCRIPT AS $$ return "SELECT 1 FROM t"; $$;

-- case: plpgsql procedure with declare section and select into a variable
-- dialect: postgres
-- kinds: CREATE PROCEDURE, SELECT, INSERT, COMMIT
-- targets: sales_agg
-- sources: sales, settings
-- edges: sales_agg.region <- sales.region identity | sales_agg.total <- sales.amount aggregate
CREATE OR REPLACE PROCEDURE load_sales()
LANGUAGE plpgsql
AS $body$
DECLARE
  cutoff date;
  n integer := 0;
BEGIN
  SELECT max(d) INTO cutoff FROM settings;
  n := n + 1;
  INSERT INTO sales_agg (region, total) SELECT region, sum(amount) FROM sales GROUP BY region;
  RAISE NOTICE 'done %', n;
  COMMIT;
END;
$body$;

-- case: redshift procedure body lines point into the file
-- dialect: redshift
-- kinds: CREATE PROCEDURE, TRUNCATE, INSERT
-- targets: stage_t
-- sources: src_t
CREATE OR REPLACE PROCEDURE sp_load() AS $$
BEGIN
  TRUNCATE stage_t;
  INSERT INTO stage_t SELECT * FROM src_t;
END;
$$ LANGUAGE plpgsql;

-- case: insert values with scalar subqueries
-- kinds: INSERT
-- targets: t
-- sources: s, u
-- edges: t.a <- s.x aggregate | t.b <- u.y rename
INSERT INTO t (a, b) VALUES ((SELECT max(x) FROM s), 1), (2, (SELECT y FROM u LIMIT 1));

-- case: tsql select into with union
-- dialect: tsql
-- kinds: SELECT INTO
-- targets: new_t
-- sources: t1, t2
-- edges: new_t.a <- t1.a identity | new_t.a <- t2.a identity
SELECT a INTO new_t FROM t1 UNION ALL SELECT a FROM t2;

-- case: tsql update whose target is an alias of a comma join
-- dialect: tsql
-- kinds: UPDATE
-- targets: dbo.tab1
-- sources: dbo.tab2
-- edges: dbo.tab1.col <- dbo.tab2.col identity
UPDATE a SET a.col = b.col FROM dbo.tab1 a, dbo.tab2 b WHERE a.id = b.id;

-- case: hive exchange partition moves the source into the target
-- dialect: hive
-- kinds: ALTER TABLE EXCHANGE PARTITION
-- targets: db.t1
-- sources: db.t2
ALTER TABLE db.t1 EXCHANGE PARTITION (dt='2020-01-01') WITH TABLE db.t2;

-- case: spark reads a parquet path
-- dialect: spark
-- targets: db.t
-- sources: s3://bucket/events/
-- edges: db.t.a <- s3://bucket/events/.a identity
INSERT INTO db.t SELECT a FROM parquet.`s3://bucket/events/`;

-- case: snowflake copy into from an s3 location
-- dialect: snowflake
-- kinds: COPY
-- targets: db.s.t
-- sources: s3://bucket/data/
COPY INTO db.s.t FROM 's3://bucket/data/' FILE_FORMAT = (TYPE = CSV);

-- case: tsql copy into from a blob url
-- dialect: tsql
-- kinds: COPY
-- targets: dbo.t
-- sources: https://acct.blob.core.windows.net/c/data.parquet
COPY INTO dbo.t FROM 'https://acct.blob.core.windows.net/c/data.parquet' WITH (FILE_TYPE = 'PARQUET');

-- case: redshift copy with line continuations
-- dialect: redshift
-- kinds: COPY
-- targets: pub.t
-- sources: s3://b/k/
COPY pub.t FROM 's3://b/k/' \
  IAM_ROLE 'arn:aws:iam::1:role/r' \
  CSV;

-- case: cte referenced by both branches of a union
-- targets: tgt
-- sources: s
-- edges: tgt.a <- s.a identity | tgt.a <- s.b rename
INSERT INTO tgt WITH c AS (SELECT a, b FROM s) SELECT a FROM c UNION SELECT b FROM c;

-- case: cte read by a later cte
-- targets: tgt
-- sources: s
-- edges: tgt.b <- s.a rename
INSERT INTO tgt WITH c1 AS (SELECT a FROM s), c2 AS (SELECT a AS b FROM c1) SELECT b FROM c2;

-- case: unaliased expression columns are named by their text
-- targets: tgt
-- sources: s
-- edges: tgt.a + 1 <- s.a expression | tgt.max(b) <- s.b aggregate | tgt.c <- s.c identity
INSERT INTO tgt SELECT a + 1, max(b), c FROM s GROUP BY a, c;

-- case: star over a cte with known columns
-- targets: tgt
-- sources: s
-- edges: tgt.a <- s.a identity | tgt.b <- s.b identity
INSERT INTO tgt WITH c AS (SELECT a, b FROM s) SELECT * FROM c;

-- case: single-source cte resolves columns without a schema
-- targets: tgt
-- sources: s, u
-- edges: tgt.a <- s.a identity | tgt.x <- u.x identity
INSERT INTO tgt WITH c AS (SELECT a FROM s) SELECT c.a, u.x FROM c JOIN u ON u.id = c.a;

-- case: statements kept as text are reported unsupported
-- dialect: postgres
-- kinds: UNSUPPORTED, UNSUPPORTED, GRANT
-- targets: none
-- sources: none
PREPARE q (int) AS SELECT * FROM t WHERE a = $1;
CREATE USER bob WITH PASSWORD 'x';
GRANT SELECT ON t TO bob;

-- case: tsql bulk insert loads a file
-- dialect: tsql
-- kinds: BULK INSERT, INSERT
-- targets: dbo.t
-- sources: C:\data\x.csv
BULK INSERT dbo.stage FROM 'C:\data\x.csv' WITH (FIELDTERMINATOR = ',')
INSERT INTO dbo.t SELECT * FROM dbo.stage

-- case: union cte reading an earlier cte
-- targets: t
-- sources: s, s2
-- edges: t.a <- s.a identity | t.a <- s2.a identity
WITH c AS (SELECT a FROM s), d AS (SELECT a FROM c UNION ALL SELECT a FROM s2)
INSERT INTO t SELECT a FROM d;

-- case: snowflake anonymous block run by execute immediate
-- dialect: snowflake
-- kinds: EXECUTE IMMEDIATE, INSERT
-- targets: db.s.t
-- sources: db.s.u
-- edges: db.s.t.a <- db.s.u.a identity
EXECUTE IMMEDIATE $$
BEGIN
  INSERT INTO db.s.t SELECT a FROM db.s.u;
END;
$$;

-- case: postgres do block
-- dialect: postgres
-- kinds: DO, INSERT
-- targets: t
-- sources: u
DO $$
BEGIN
  INSERT INTO t SELECT a FROM u;
END
$$;

-- case: bigquery sql function with an expression body
-- dialect: bigquery
-- kinds: CREATE FUNCTION, SELECT
-- targets: none
-- sources: ds.t
CREATE TEMP FUNCTION plus_one(x INT64) AS (x + 1);
SELECT plus_one(a) FROM ds.t;

-- case: hive function backed by a class is not sql
-- dialect: hive
-- kinds: CREATE FUNCTION
-- targets: none
-- sources: none
CREATE TEMPORARY FUNCTION db.f AS 'com.example.MyUdf' USING JAR 's3://b/udf.jar';

-- case: postgres sql function body reads its tables
-- dialect: postgres
-- kinds: CREATE FUNCTION, SELECT
-- sources: orders
CREATE FUNCTION order_count() RETURNS bigint AS $$ SELECT count(*) FROM orders $$ LANGUAGE sql;
