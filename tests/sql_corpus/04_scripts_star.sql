-- case: temp table chained
-- targets: final
-- sources: raw
-- edges: final.x <- raw.a rename
CREATE TEMP TABLE tmp AS SELECT a FROM raw;
INSERT INTO final SELECT a AS x FROM tmp;
DROP TABLE tmp;

-- case: intermediate chained with aggregate then masking
-- targets: out
-- sources: src
-- edges: out.h <- src.email masking | out.n <- src.amount aggregate
CREATE TABLE stage AS SELECT email, sum(amount) AS n FROM src GROUP BY email;
CREATE TABLE out AS SELECT md5(email) AS h, n FROM stage;

-- case: dropped table is left out
-- targets: keep
-- sources: src
CREATE TABLE scratch AS SELECT a FROM src;
CREATE TABLE keep AS SELECT a FROM src;
DROP TABLE scratch;

-- case: drop then recreate is a target
-- targets: t
-- sources: s
-- kinds: DROP TABLE, CREATE TABLE AS
DROP TABLE IF EXISTS t;
CREATE TABLE t AS SELECT a FROM s;

-- case: delete then insert keeps target
-- targets: agg
-- sources: src
DELETE FROM agg WHERE d = '2024-01-01';
INSERT INTO agg SELECT d, count(*) AS n FROM src GROUP BY d;

-- case: three step chain
-- targets: c
-- sources: a
-- edges: c.z <- a.x rename
CREATE TABLE b1 AS SELECT x AS y FROM a;
CREATE TABLE b2 AS SELECT y FROM b1;
CREATE TABLE c AS SELECT y AS z FROM b2;

-- case: per statement results keep intermediates
-- kinds: CREATE TABLE AS, CREATE TABLE AS
-- targets: t2
-- sources: s
CREATE TABLE t1 AS SELECT a FROM s;
CREATE TABLE t2 AS SELECT a FROM t1;

-- case: create then insert then read chain
-- targets: report
-- sources: src1, src2
-- edges: report.v <- src1.v identity | report.v <- src2.w rename
CREATE TABLE buf (v INT);
INSERT INTO buf SELECT v FROM src1;
INSERT INTO buf SELECT w FROM src2;
CREATE TABLE report AS SELECT v FROM buf;

-- case: spark temp view chain
-- dialect: spark
-- targets: db.out
-- sources: db.events
-- edges: db.out.user_id <- db.events.user_id identity | db.out.n <- db.events.id aggregate
CREATE OR REPLACE TEMPORARY VIEW ev AS SELECT user_id, id FROM db.events WHERE kind = 'click';
INSERT OVERWRITE TABLE db.out SELECT user_id, count(id) AS n FROM ev GROUP BY user_id;

-- case: star without schema
-- edges: t.* <- s.* identity
-- sources: s
CREATE TABLE t AS SELECT * FROM s;

-- case: star with schema expands
-- schema: {"s": {"a": "int", "b": "varchar"}}
-- edges: t.a <- s.a identity | t.b <- s.b identity
CREATE TABLE t AS SELECT * FROM s;

-- case: qualified star with schema on one side
-- schema: {"x": {"a": "int"}}
-- edges: t.a <- x.a identity | t.* <- y.* identity
CREATE TABLE t AS SELECT x.*, y.* FROM x JOIN y ON x.a = y.a;

-- case: star through cte without schema
-- edges: t.* <- s.* identity
CREATE TABLE t AS WITH c AS (SELECT * FROM s) SELECT * FROM c;

-- case: named column through star cte
-- edges: t.a <- s.a identity
CREATE TABLE t AS WITH c AS (SELECT * FROM s) SELECT a FROM c;

-- case: star from schema through derived table
-- schema: {"db.s": {"id": "int", "name": "varchar"}}
-- edges: db.t.id <- db.s.id identity | db.t.name <- db.s.name identity
CREATE TABLE db.t AS SELECT * FROM (SELECT * FROM db.s) q;

-- case: star plus extra column without schema
-- edges: t.* <- s.* identity | t.extra <- s.a expression
CREATE TABLE t AS SELECT *, a + 1 AS extra FROM s;

-- case: insert select star with schema
-- schema: {"s": {"a": "int", "b": "int"}, "t": {"x": "int", "y": "int"}}
-- edges: t.x <- s.a rename | t.y <- s.b rename
INSERT INTO t SELECT * FROM s;

-- case: script table learned from create columns for star
-- edges: out.a <- s.a identity | out.b <- s.b identity
-- targets: out
-- sources: s
CREATE TABLE mid (a INT, b INT);
INSERT INTO mid SELECT a, b FROM s;
CREATE TABLE out AS SELECT * FROM mid;

-- case: script ctas columns expand a later star
-- targets: out
-- edges: out.a <- s.a identity | out.c <- s.b rename
CREATE TABLE mid AS SELECT a, b AS c FROM s;
CREATE TABLE out AS SELECT * FROM mid;

-- case: redshift unload then copy chain
-- dialect: redshift
-- targets: rep.copy_t
-- sources: pub.t
-- edges: rep.copy_t.a <- pub.t.a identity
UNLOAD ('select a from pub.t') TO 's3://x/y/' IAM_ROLE 'r';
COPY rep.copy_t FROM 's3://x/y/' IAM_ROLE 'r' FORMAT AS PARQUET;

-- case: broken statement among good ones
-- errors: 1
-- targets: a, c
-- sources: s
CREATE TABLE a AS SELECT x FROM s;
SELEC broken FROM;
CREATE TABLE c AS SELECT y FROM s;

-- case: two broken statements
-- errors: 2
-- targets: ok
CREATE TABLE ok AS SELECT 1 AS one;
INSERT INTO WHERE;
SELECT FROM FROM;

-- case: expression is not a statement
-- errors: 1
justaword;

-- case: empty script
-- kinds: none
-- targets: none
-- sources: none

-- case: comments only
-- kinds: none
/* nothing here */
-- still nothing

-- case: unterminated string reported
-- errors: 1
-- targets: a
CREATE TABLE a AS SELECT x FROM s;
SELECT 'oops FROM t;

-- case: quoted identifiers with dots postgres
-- dialect: postgres
-- targets: "my.schema"
-- targets: my.schema.out
-- sources: raw.data.v1
-- edges: my.schema.out.col.a <- raw.data.v1.col.a identity
CREATE TABLE "my.schema"."out" AS SELECT "col.a" FROM "raw.data.v1";

-- case: bigquery backtick project dataset table
-- dialect: bigquery
-- targets: proj.ds.t
-- sources: other-proj.ds.s
-- edges: proj.ds.t.a <- other-proj.ds.s.a identity
CREATE TABLE `proj.ds.t` AS SELECT a FROM `other-proj.ds.s`;

-- case: mysql backticks
-- dialect: mysql
-- targets: db.t
-- sources: db.s
-- edges: db.t.a <- db.s.a identity
CREATE TABLE `db`.`t` AS SELECT `a` FROM `db`.`s`;

-- case: tsql brackets
-- dialect: tsql
-- targets: dbo.t
-- sources: dbo.s
-- edges: dbo.t.a <- dbo.s.a identity
SELECT [a] INTO [dbo].[t] FROM [dbo].[s];

-- case: snowflake upper case unquoted is lowered
-- dialect: snowflake
-- targets: db.sch.t
-- sources: db.sch.s
-- edges: db.sch.t.amount <- db.sch.s.amount identity
CREATE TABLE DB.SCH.T AS SELECT AMOUNT FROM DB.SCH.S;

-- case: snowflake quoted mixed case columns
-- dialect: snowflake
-- schema: {"s": {"Amount": "int"}}
-- edges: t.amount <- s.amount identity
CREATE TABLE t AS SELECT "Amount" FROM s;

-- case: postgres case sensitive quoted column distinct from unquoted
-- dialect: postgres
-- edges: t.a <- s.a identity | t.b <- s.a rename
CREATE TABLE t AS SELECT a, "A" AS b FROM s;

-- case: postgres unquoted upper is folded
-- dialect: postgres
-- targets: t
-- sources: s
-- edges: t.total <- s.amount aggregate
CREATE TABLE T AS SELECT SUM(AMOUNT) AS TOTAL FROM S;
