-- case: presto ctas
-- dialect: presto
-- edges: hive.a.t.n <- hive.a.s.x aggregate
CREATE TABLE hive.a.t AS SELECT approx_percentile(x, 0.5) AS n FROM hive.a.s;

-- case: trino insert select with try
-- dialect: trino
-- targets: c.s.t
-- sources: c.s.src
INSERT INTO c.s.t SELECT try(CAST(a AS integer)) AS a FROM c.s.src;

-- case: athena insert into partitioned iceberg
-- dialect: athena
-- edges: db.t.id <- db.s.id identity | db.t.dt <- db.s.ts expression
INSERT INTO db.t SELECT id, date_format(ts, '%Y-%m-%d') AS dt FROM db.s;

-- case: athena view over join
-- dialect: athena
-- kinds: CREATE VIEW
-- sources: db.a, db.b
-- edges: db.v.x <- db.a.x identity | db.v.y <- db.b.y identity
CREATE OR REPLACE VIEW db.v AS SELECT a.x, b.y FROM db.a a JOIN db.b b ON a.id = b.id;

-- case: databricks create table using delta as select
-- dialect: databricks
-- targets: cat.sch.t
-- sources: cat.sch.s
-- edges: cat.sch.t.a <- cat.sch.s.a identity
CREATE TABLE cat.sch.t USING DELTA AS SELECT a FROM cat.sch.s;

-- case: databricks merge
-- dialect: databricks
-- targets: cat.sch.tgt
-- sources: cat.sch.upd
-- edges: cat.sch.tgt.v <- cat.sch.upd.v identity | cat.sch.tgt.k <- cat.sch.upd.k identity
MERGE INTO cat.sch.tgt t USING cat.sch.upd u ON t.k = u.k
WHEN MATCHED THEN UPDATE SET t.v = u.v
WHEN NOT MATCHED THEN INSERT (k, v) VALUES (u.k, u.v);

-- case: spark insert into table
-- dialect: spark
-- edges: db.t.k <- db.s.k identity | db.t.c <- db.s.v aggregate
INSERT INTO TABLE db.t SELECT k, collect_list(v) AS c FROM db.s GROUP BY k;

-- case: hive insert overwrite with union
-- dialect: hive
-- edges: db.t.id <- db.a.id identity | db.t.id <- db.b.id identity
INSERT OVERWRITE TABLE db.t SELECT id FROM db.a UNION ALL SELECT id FROM db.b;

-- case: redshift ctas distkey
-- dialect: redshift
-- targets: rpt.t
-- sources: pub.s
-- edges: rpt.t.a <- pub.s.a identity
CREATE TABLE rpt.t DISTKEY(a) AS SELECT a FROM pub.s;

-- case: redshift insert with nvl
-- dialect: redshift
-- edges: rpt.t.v <- pub.s.v expression
INSERT INTO rpt.t SELECT NVL(v, 0) AS v FROM pub.s;

-- case: redshift delete using moves no data
-- dialect: redshift
-- targets: none
-- sources: none
DELETE FROM pub.t USING pub.d WHERE pub.t.id = pub.d.id;

-- case: snowflake ctas with iff
-- dialect: snowflake
-- edges: db.s.t.f <- db.s.src.x case
CREATE TABLE db.s.t AS SELECT IFF(x > 0, 'y', 'n') AS f FROM db.s.src;

-- case: snowflake create view secure
-- dialect: snowflake
-- kinds: CREATE VIEW
-- targets: db.s.v
-- sources: db.s.t
CREATE OR REPLACE SECURE VIEW db.s.v AS SELECT a FROM db.s.t;

-- case: snowflake flatten lateral
-- dialect: snowflake
-- sources: db.s.t
-- targets: db.s.out
CREATE TABLE db.s.out AS SELECT t.id, f.value AS v FROM db.s.t t, LATERAL FLATTEN(input => t.arr) f;

-- case: snowflake copy into stage from query
-- dialect: snowflake
-- targets: @out_stage/data/
-- sources: db.s.t
COPY INTO @out_stage/data/ FROM (SELECT a FROM db.s.t);

-- case: bigquery insert
-- dialect: bigquery
-- edges: p.d.t.a <- p.d.s.a identity
INSERT INTO `p.d.t` (a) SELECT a FROM `p.d.s`;

-- case: bigquery create or replace table with struct access
-- dialect: bigquery
-- targets: p.d.t
-- sources: p.d.s
CREATE OR REPLACE TABLE p.d.t AS SELECT s.id, s.info.city AS city FROM p.d.s AS s;

-- case: bigquery merge
-- dialect: bigquery
-- targets: p.d.t
-- sources: p.d.s
-- edges: p.d.t.v <- p.d.s.v identity
MERGE p.d.t T USING p.d.s S ON T.id = S.id WHEN MATCHED THEN UPDATE SET v = S.v;

-- case: postgres insert on conflict
-- dialect: postgres
-- targets: t
-- sources: s
-- edges: t.a <- s.a identity
INSERT INTO t (a) SELECT a FROM s ON CONFLICT DO NOTHING;

-- case: postgres create table as with schema
-- dialect: postgres
-- edges: analytics.t.n <- public.s.id aggregate
CREATE TABLE analytics.t AS SELECT count(id) AS n FROM public.s;

-- case: mysql insert select
-- dialect: mysql
-- edges: db.t.a <- db.s.a identity | db.t.b <- db.s.b expression
INSERT INTO db.t (a, b) SELECT a, IFNULL(b, 0) FROM db.s;

-- case: mysql update join
-- dialect: mysql
-- targets: t
-- sources: s
UPDATE t JOIN s ON t.id = s.id SET t.v = s.v;

-- case: tsql insert select top
-- dialect: tsql
-- edges: dbo.t.a <- dbo.s.a identity
INSERT INTO dbo.t (a) SELECT TOP 10 a FROM dbo.s;

-- case: tsql cte insert
-- dialect: tsql
-- edges: dbo.t.n <- dbo.s.x aggregate
WITH c AS (SELECT x FROM dbo.s) INSERT INTO dbo.t (n) SELECT count(x) FROM c;

-- case: duckdb create table from csv path
-- dialect: duckdb
-- sources: s3://b/x.csv
-- targets: t
CREATE TABLE t AS SELECT * FROM read_csv('s3://b/x.csv');

-- case: duckdb insert by name
-- dialect: duckdb
-- targets: t
-- sources: s
-- edges: t.a <- s.a identity | t.b <- s.b identity
INSERT INTO t BY NAME SELECT b, a FROM s;

-- case: duckdb view
-- dialect: duckdb
-- kinds: CREATE VIEW
-- edges: v.x <- s.x identity
CREATE VIEW v AS SELECT x FROM s;

-- case: hive ctas stored as
-- dialect: hive
-- targets: db.t
-- sources: db.s
CREATE TABLE db.t STORED AS ORC AS SELECT a FROM db.s;

-- case: spark create table location as select
-- dialect: spark
-- targets: db.t, s3://bkt/t/
-- sources: db.s
CREATE TABLE db.t USING parquet LOCATION 's3://bkt/t/' AS SELECT a FROM db.s;

-- case: athena unload
-- dialect: athena
-- targets: s3://out/p/
-- sources: db.s
UNLOAD (SELECT a FROM db.s) TO 's3://out/p/' WITH (format = 'PARQUET');
