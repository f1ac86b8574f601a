-- case: view column list renames
-- kinds: CREATE VIEW
-- edges: v.a <- t.x rename | v.b <- t.y rename
CREATE VIEW v (a, b) AS SELECT x, y FROM t;

-- case: four level nesting
-- edges: t2.a <- s.b rename
-- sources: s
CREATE TABLE t2 AS SELECT q.a FROM (SELECT r.a FROM (SELECT a FROM (SELECT b AS a FROM s) p) r) q;

-- case: bigquery select except with schema
-- dialect: bigquery
-- schema: {"d.s": {"id": "int", "ssn": "string"}}
-- edges: d.t.id <- d.s.id identity
CREATE TABLE d.t AS SELECT * EXCEPT (ssn) FROM d.s;

-- case: snowflake exclude with schema
-- dialect: snowflake
-- schema: {"s": {"id": "int", "ssn": "string"}}
-- edges: t.id <- s.id identity
CREATE TABLE t AS SELECT * EXCLUDE (ssn) FROM s;

-- case: insert select star without schema
-- edges: t.* <- s.* identity
INSERT INTO t SELECT * FROM s;

-- case: databricks merge star without schema
-- dialect: databricks
-- targets: t
-- sources: s
-- edges: t.* <- s.* identity
MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *;

-- case: databricks merge star with schema
-- dialect: databricks
-- schema: {"s": {"id": "int", "v": "int"}}
-- edges: t.id <- s.id identity | t.v <- s.v identity
MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *;

-- case: update with correlated scalar subquery
-- targets: t
-- sources: s
-- edges: t.x <- s.y aggregate
UPDATE t SET x = (SELECT max(y) FROM s WHERE s.id = t.id);

-- case: parenthesised ctas
-- edges: t.a <- s.a identity
CREATE TABLE IF NOT EXISTS t AS (SELECT a FROM s);

-- case: spark static partition with column list
-- dialect: spark
-- edges: t.a <- s.c rename | t.b <- s.d rename
INSERT INTO t PARTITION (dt = 'x') (a, b) SELECT c, d FROM s;

-- case: hive multi insert
-- dialect: hive
-- targets: t1, t2
-- sources: src
-- edges: t1.a <- src.a identity | t2.b <- src.b identity
FROM src INSERT OVERWRITE TABLE t1 SELECT a INSERT OVERWRITE TABLE t2 SELECT b WHERE c > 1;

-- case: rollup grouping
-- edges: t.k <- x.k identity | t.s <- x.v aggregate
CREATE TABLE t AS SELECT k, sum(v) AS s FROM x GROUP BY ROLLUP (k);

-- case: postgres json arrow is expression
-- dialect: postgres
-- edges: t.email <- s.data expression
CREATE TABLE t AS SELECT data->>'email' AS email FROM s;

-- case: simple case form
-- edges: t.c <- s.x case | t.c <- s.a case | t.c <- s.b case
CREATE TABLE t AS SELECT CASE x WHEN 1 THEN a ELSE b END AS c FROM s;

-- case: tsql merge by target
-- dialect: tsql
-- edges: dbo.t.v <- dbo.s.v identity | dbo.t.id <- dbo.s.id identity
MERGE INTO dbo.t AS tgt USING dbo.s AS src ON tgt.id = src.id
WHEN MATCHED THEN UPDATE SET tgt.v = src.v
WHEN NOT MATCHED BY TARGET THEN INSERT (id, v) VALUES (src.id, src.v);

-- case: snowflake variant path
-- dialect: snowflake
-- edges: t.email <- raw_json.src expression
CREATE TABLE t AS SELECT src:customer.email::string AS email FROM raw_json;

-- case: mysql replace into
-- dialect: mysql
-- kinds: REPLACE
-- edges: t.a <- s.a identity
REPLACE INTO t (a) SELECT a FROM s;

-- case: duckdb copy query to path
-- dialect: duckdb
-- targets: s3://b/out.parquet
-- sources: s
-- edges: s3://b/out.parquet.a <- s.a identity
COPY (SELECT a FROM s) TO 's3://b/out.parquet' (FORMAT PARQUET);

-- case: athena set location links path
-- dialect: athena
-- targets: db.t
-- sources: s3://b/new/
ALTER TABLE db.t SET LOCATION 's3://b/new/';

-- case: redshift temp table script
-- dialect: redshift
-- targets: final
-- sources: s
-- edges: final.a <- s.a identity
CREATE TEMP TABLE t AS SELECT a FROM s;
INSERT INTO final SELECT a FROM t;

-- case: transaction statements skipped
-- dialect: postgres
-- errors: 0
-- sources: s
-- targets: none
BEGIN;
SELECT a FROM s;
COMMIT;

-- case: insert column list over union renames per branch
-- edges: t.a <- s.x rename | t.a <- u.a identity
INSERT INTO t (a) SELECT x FROM s UNION ALL SELECT a FROM u;

-- case: lateral join subquery
-- dialect: postgres
-- sources: a, b
-- edges: t.id <- a.id identity | t.x <- b.x identity
CREATE TABLE t AS SELECT a.id, l.x FROM a, LATERAL (SELECT b.x FROM b WHERE b.a_id = a.id LIMIT 1) l;

-- case: left join lateral on true
-- dialect: postgres
-- edges: t.x <- a.x identity | t.y <- b.y identity
CREATE TABLE t AS SELECT a.x, l.y FROM a LEFT JOIN LATERAL (SELECT b.y FROM b WHERE b.id = a.id) l ON TRUE;

-- case: bigquery select as struct reads outer columns
-- dialect: bigquery
-- sources: d.s
-- targets: d.t
CREATE TABLE d.t AS SELECT id, (SELECT AS STRUCT a, b) AS st FROM d.s;

-- case: correlated subquery with unqualified outer column in schema
-- schema: {"a": {"id": "int", "k": "int"}, "b": {"ref": "int", "v": "int"}}
-- edges: t.id <- a.id identity | t.total <- b.v aggregate
CREATE TABLE t AS SELECT id, (SELECT sum(v) FROM b WHERE ref = k) AS total FROM a;

-- case: window aggregate next to plain aggregate
-- edges: t.k <- s.k identity | t.n <- s.v aggregate | t.share <- s.v aggregate | t.share <- s.k window
CREATE TABLE t AS SELECT k, sum(v) AS n, sum(sum(v)) OVER (PARTITION BY k) AS share FROM s GROUP BY k;

-- case: tsql go batches
-- dialect: tsql
-- kinds: SELECT INTO, INSERT
-- targets: dbo.x
-- sources: dbo.s
-- edges: dbo.x.a <- dbo.s.a identity
SELECT a INTO #t FROM dbo.s
GO
INSERT INTO dbo.x SELECT a FROM #t
GO

-- case: spark view over path options
-- dialect: spark
-- targets: v
-- sources: s3://b/p/
CREATE TEMPORARY VIEW v USING parquet OPTIONS (path 's3://b/p/');

-- case: hive load data inpath
-- dialect: hive
-- kinds: LOAD DATA
-- targets: db.t
-- sources: s3://b/in/
LOAD DATA INPATH 's3://b/in/' OVERWRITE INTO TABLE db.t;

-- case: listagg within group is aggregate
-- dialect: redshift
-- edges: t.names <- s.name aggregate
CREATE TABLE t AS SELECT listagg(name, ',') WITHIN GROUP (ORDER BY name) AS names FROM s;

-- case: aggregate filter clause
-- dialect: postgres
-- edges: t.n <- s.id aggregate | t.n <- s.ok aggregate
CREATE TABLE t AS SELECT count(id) FILTER (WHERE ok) AS n FROM s;

-- case: view over union of stars without schema
-- edges: v.* <- a.* identity | v.* <- b.* identity
CREATE VIEW v AS SELECT * FROM a UNION ALL SELECT * FROM b;

-- case: snowflake quoted names are lower cased in output
-- dialect: snowflake
-- targets: sales.daily
-- sources: sales.raw
-- edges: sales.daily.amt <- sales.raw.amount rename
CREATE TABLE "Sales"."Daily" AS SELECT "Amount" AS amt FROM "Sales"."Raw";

-- case: spark cte before insert overwrite
-- dialect: spark
-- edges: t.a <- s.a identity
WITH c AS (SELECT a FROM s) INSERT OVERWRITE TABLE t SELECT a FROM c;

-- case: tsql cte before merge is not a source
-- dialect: tsql
-- targets: dbo.t
-- sources: dbo.s
-- edges: dbo.t.v <- dbo.s.v identity
WITH src AS (SELECT id, v FROM dbo.s)
MERGE INTO dbo.t AS tgt USING src ON tgt.id = src.id
WHEN MATCHED THEN UPDATE SET tgt.v = src.v;

-- case: postgres cte before update
-- dialect: postgres
-- targets: t
-- sources: s
-- edges: t.total <- s.v aggregate
WITH x AS (SELECT id, sum(v) AS tot FROM s GROUP BY id)
UPDATE t SET total = x.tot FROM x WHERE t.id = x.id;

-- case: postgres cte before delete moves no data
-- dialect: postgres
-- kinds: DELETE
-- targets: none
-- sources: none
WITH old AS (SELECT id FROM s WHERE d < now()) DELETE FROM t WHERE id IN (SELECT id FROM old);
