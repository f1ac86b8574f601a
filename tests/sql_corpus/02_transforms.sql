-- case: md5 masks
-- edges: t.h <- s.email masking
CREATE TABLE t AS SELECT md5(email) AS h FROM s;

-- case: sha1 masks
-- dialect: spark
-- edges: t.h <- s.email masking
CREATE TABLE t AS SELECT sha1(email) AS h FROM s;

-- case: sha2 masks spark
-- dialect: spark
-- edges: t.h <- s.email masking
CREATE TABLE t AS SELECT sha2(email, 256) AS h FROM s;

-- case: nested to_hex sha256 masks athena
-- dialect: athena
-- edges: t.h <- s.email masking
CREATE TABLE t AS SELECT to_hex(sha256(to_utf8(lower(trim(email))))) AS h FROM s;

-- case: hash function masks snowflake
-- dialect: snowflake
-- edges: t.h <- s.email masking
CREATE TABLE t AS SELECT hash(email) AS h FROM s;

-- case: mask udf masks
-- dialect: hive
-- edges: t.m <- s.phone masking
CREATE TABLE t AS SELECT mask(phone) AS m FROM s;

-- case: mask_show_last_n masks
-- dialect: hive
-- edges: t.m <- s.card masking
CREATE TABLE t AS SELECT mask_show_last_n(card, 4) AS m FROM s;

-- case: regexp_replace masks
-- dialect: postgres
-- edges: t.m <- s.ssn masking
CREATE TABLE t AS SELECT regexp_replace(ssn, '[0-9]', 'X') AS m FROM s;

-- case: substr masks
-- edges: t.last4 <- s.card masking
CREATE TABLE t AS SELECT substr(card, -4) AS last4 FROM s;

-- case: left masks
-- dialect: tsql
-- edges: t.zip3 <- s.zip masking
SELECT LEFT(zip, 3) AS zip3 INTO t FROM s;

-- case: sum is aggregate
-- edges: t.total <- s.amount aggregate | t.k <- s.k identity
CREATE TABLE t AS SELECT k, sum(amount) AS total FROM s GROUP BY k;

-- case: count distinct aggregate
-- edges: t.n <- s.user_id aggregate
CREATE TABLE t AS SELECT count(DISTINCT user_id) AS n FROM s;

-- case: count star reads every row of its table
-- edges: t.n <- s.* aggregate
CREATE TABLE t AS SELECT count(*) AS n FROM s;

-- case: avg min max aggregate
-- edges: t.a <- s.x aggregate | t.b <- s.y aggregate | t.c <- s.z aggregate
CREATE TABLE t AS SELECT avg(x) AS a, min(y) AS b, max(z) AS c FROM s;

-- case: coalesce expression
-- edges: t.v <- s.a expression | t.v <- s.b expression
CREATE TABLE t AS SELECT coalesce(a, b) AS v FROM s;

-- case: arithmetic expression
-- edges: t.v <- s.price expression | t.v <- s.qty expression
CREATE TABLE t AS SELECT price * qty AS v FROM s;

-- case: concat expression
-- dialect: mysql
-- edges: t.full <- s.first_name expression | t.full <- s.last_name expression
CREATE TABLE t AS SELECT CONCAT(first_name, ' ', last_name) AS full FROM s;

-- case: cast same name is cast
-- edges: t.amount <- s.amount cast
CREATE TABLE t AS SELECT CAST(amount AS DECIMAL(10, 2)) AS amount FROM s;

-- case: postgres double colon cast
-- dialect: postgres
-- edges: t.d <- s.ts cast
CREATE TABLE t AS SELECT ts::date AS d FROM s;

-- case: try_cast
-- dialect: snowflake
-- edges: t.n <- s.txt cast
CREATE TABLE t AS SELECT TRY_CAST(txt AS INT) AS n FROM s;

-- case: case when condition and results are sources
-- edges: t.tier <- s.amount case | t.tier <- s.label case
CREATE TABLE t AS SELECT CASE WHEN amount > 100 THEN label ELSE 'small' END AS tier FROM s;

-- case: if function is case
-- dialect: spark
-- edges: t.f <- s.x case
CREATE TABLE t AS SELECT IF(x > 0, 'pos', 'neg') AS f FROM s;

-- case: row_number window partition and order
-- edges: t.rn <- s.cust window | t.rn <- s.ts window | t.id <- s.id identity
CREATE TABLE t AS SELECT id, row_number() OVER (PARTITION BY cust ORDER BY ts) AS rn FROM s;

-- case: sum over window is window
-- edges: t.running <- s.amount window | t.running <- s.ts window
CREATE TABLE t AS SELECT sum(amount) OVER (ORDER BY ts) AS running FROM s;

-- case: lag window
-- dialect: bigquery
-- edges: t.prev <- ds.s.v window | t.prev <- ds.s.k window | t.prev <- ds.s.ts window
CREATE TABLE t AS SELECT LAG(v) OVER (PARTITION BY k ORDER BY ts) AS prev FROM ds.s;

-- case: masking beats aggregate when nested
-- edges: t.h <- s.email masking
CREATE TABLE t AS SELECT md5(max(email)) AS h FROM s;

-- case: aggregate through subquery then expression stays aggregate
-- edges: t.v <- s.amount aggregate
CREATE TABLE t AS SELECT coalesce(x.tot, 0) AS v FROM (SELECT sum(amount) AS tot FROM s) x;

-- case: leaky parallel path wins
-- edges: t.v <- s.email expression
CREATE TABLE t AS SELECT concat(email, md5(email)) AS v FROM s;

-- case: constants give no pairs
-- edges: none
CREATE TABLE t AS SELECT 1 AS one, 'x' AS s, current_date AS d FROM s;

-- case: rename through derived table
-- edges: t.y <- s.a rename
CREATE TABLE t AS SELECT x AS y FROM (SELECT a AS x FROM s) q;

-- case: identity through derived table
-- edges: t.a <- s.a identity
CREATE TABLE t AS SELECT q.a FROM (SELECT a FROM s) q;

-- case: cast then aggregate
-- edges: t.v <- s.x aggregate
CREATE TABLE t AS SELECT sum(CAST(x AS INT)) AS v FROM s;

-- case: date_diff expression
-- dialect: athena
-- edges: t.age <- s.birth_date expression
CREATE TABLE t AS SELECT date_diff('year', birth_date, current_date) AS age FROM s;

-- case: upper expression
-- edges: t.c <- s.c expression
CREATE TABLE t AS SELECT upper(c) AS c FROM s;

-- case: case in aggregate
-- edges: t.n <- s.status aggregate | t.n <- s.amount aggregate
CREATE TABLE t AS SELECT sum(CASE WHEN status = 'ok' THEN amount ELSE 0 END) AS n FROM s;

-- case: scalar correlated subquery in select
-- edges: t.id <- a.id identity | t.last <- b.ts aggregate
CREATE TABLE t AS SELECT a.id, (SELECT max(b.ts) FROM b WHERE b.a_id = a.id) AS last FROM a;

-- case: where columns are not value sources
-- edges: t.x <- s.x identity
CREATE TABLE t AS SELECT x FROM s WHERE y > 3 AND z IS NOT NULL;

-- case: join keys are not value sources
-- edges: t.x <- a.x identity | t.y <- b.y identity
CREATE TABLE t AS SELECT a.x, b.y FROM a JOIN b ON a.k = b.k;

-- case: group by and having not value sources
-- edges: t.k <- s.k identity | t.n <- s.v aggregate
CREATE TABLE t AS SELECT k, sum(v) AS n FROM s GROUP BY k HAVING count(other) > 1;

-- case: unresolved column is bare
-- edges: t.x <- x identity | t.y <- b.y identity
CREATE TABLE t AS SELECT x, b.y FROM a JOIN b ON a.k = b.k;

-- case: unresolved column resolved by schema
-- schema: {"a": {"x": "int", "k": "int"}, "b": {"y": "int", "k": "int"}}
-- edges: t.x <- a.x identity | t.y <- b.y identity
CREATE TABLE t AS SELECT x, y FROM a JOIN b ON a.k = b.k;

-- case: farm fingerprint masks bigquery
-- dialect: bigquery
-- edges: ds.t.fp <- ds.s.email masking
CREATE TABLE ds.t AS SELECT FARM_FINGERPRINT(email) AS fp FROM ds.s;

-- case: duckdb md5 and window
-- dialect: duckdb
-- edges: t.h <- s.e masking | t.r <- s.g window
CREATE TABLE t AS SELECT md5(e) AS h, rank() OVER (PARTITION BY g) AS r FROM s;

-- case: redshift sha2 masks
-- dialect: redshift
-- edges: t.h <- s.e masking
CREATE TABLE t AS SELECT sha2(e, 256) AS h FROM s;

-- case: tsql hashbytes masks
-- dialect: tsql
-- edges: t.h <- s.e masking
SELECT HASHBYTES('SHA2_256', e) AS h INTO t FROM s;

-- case: mysql sha2 masks
-- dialect: mysql
-- edges: t.h <- s.e masking
CREATE TABLE t AS SELECT SHA2(e, 256) AS h FROM s;

-- case: string_agg is aggregate
-- dialect: postgres
-- edges: t.names <- s.name aggregate | t.g <- s.g identity
CREATE TABLE t AS SELECT g, string_agg(name, ',') AS names FROM s GROUP BY g;

-- case: array_agg is aggregate
-- dialect: trino
-- edges: t.ids <- s.id aggregate
CREATE TABLE t AS SELECT array_agg(id) AS ids FROM s;

-- case: approx distinct aggregate
-- dialect: athena
-- edges: t.n <- s.u aggregate
CREATE TABLE t AS SELECT approx_distinct(u) AS n FROM s;

-- case: nullif expression
-- edges: t.v <- s.a expression
CREATE TABLE t AS SELECT nullif(a, '') AS v FROM s;

-- case: round of avg aggregate
-- edges: t.v <- s.a aggregate
CREATE TABLE t AS SELECT round(avg(a), 2) AS v FROM s;

-- case: encrypt udf masks
-- dialect: snowflake
-- edges: t.v <- s.a masking
CREATE TABLE t AS SELECT ENCRYPT(a, 'pass') AS v FROM s;

-- case: redact udf masks
-- edges: t.v <- s.a masking
CREATE TABLE t AS SELECT redact_pii(a) AS v FROM s;

-- case: xxhash64 masks
-- dialect: spark
-- edges: t.v <- s.a masking
CREATE TABLE t AS SELECT xxhash64(a) AS v FROM s;

-- case: substring with from for masks
-- dialect: postgres
-- edges: t.v <- s.a masking
CREATE TABLE t AS SELECT substring(a FROM 1 FOR 3) AS v FROM s;

-- case: null guarded hash stays masking
-- edges: t.h <- s.email masking
CREATE TABLE t AS SELECT CASE WHEN email IS NULL THEN NULL ELSE md5(email) END AS h FROM s;

-- case: case returning the raw value is case
-- edges: t.v <- s.email case | t.v <- s.opt_in case
CREATE TABLE t AS SELECT CASE WHEN opt_in THEN email END AS v FROM s;
