-- case: simple cte
-- edges: t.a <- s.a identity
-- sources: s
CREATE TABLE t AS WITH c AS (SELECT a FROM s) SELECT a FROM c;

-- case: nested ctes chain renames
-- edges: t.z <- s.a rename
-- sources: s
CREATE TABLE t AS WITH c1 AS (SELECT a AS x FROM s), c2 AS (SELECT x AS y FROM c1) SELECT y AS z FROM c2;

-- case: cte inside cte
-- dialect: postgres
-- edges: t.v <- s.a aggregate
-- sources: s
CREATE TABLE t AS WITH outer_c AS (WITH inner_c AS (SELECT a FROM s) SELECT sum(a) AS v FROM inner_c) SELECT v FROM outer_c;

-- case: cte name shadows nothing and is not a source
-- targets: t
-- sources: real_table
CREATE TABLE t AS WITH orders AS (SELECT id FROM real_table) SELECT id FROM orders;

-- case: union all over ctes
-- edges: t.id <- a.id identity | t.id <- b.key rename
-- sources: a, b
CREATE TABLE t AS WITH x AS (SELECT id FROM a), y AS (SELECT key FROM b) SELECT id FROM x UNION ALL SELECT key FROM y;

-- case: union distinct three branches
-- edges: t.v <- a.v identity | t.v <- b.w rename | t.v <- c.v identity
CREATE TABLE t AS SELECT v FROM a UNION SELECT w FROM b UNION SELECT v FROM c;

-- case: union in derived table
-- edges: t.x <- a.x identity | t.x <- b.z rename
CREATE TABLE t AS SELECT q.x FROM (SELECT x FROM a UNION ALL SELECT z FROM b) AS q;

-- case: intersect and except
-- sources: a, b, c
-- edges: t.id <- a.id identity | t.id <- b.id identity | t.id <- c.id identity
CREATE TABLE t AS SELECT id FROM a INTERSECT SELECT id FROM b EXCEPT SELECT id FROM c;

-- case: union positional with two columns
-- edges: t.p <- a.p identity | t.q <- a.q identity | t.p <- b.x rename | t.q <- b.y rename
CREATE TABLE t AS SELECT p, q FROM a UNION ALL SELECT x, y FROM b;

-- case: correlated exists in where is not a value
-- sources: a, b
-- edges: t.id <- a.id identity
CREATE TABLE t AS SELECT a.id FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.a_id = a.id);

-- case: in subquery source
-- sources: a, allowed
-- edges: t.id <- a.id identity
CREATE TABLE t AS SELECT id FROM a WHERE id IN (SELECT id FROM allowed);

-- case: scalar subquery in where
-- sources: a, b
CREATE TABLE t AS SELECT id FROM a WHERE amount > (SELECT avg(amount) FROM b);

-- case: derived table join
-- edges: t.id <- a.id identity | t.n <- b.x aggregate
-- sources: a, b
CREATE TABLE t AS SELECT a.id, s.n FROM a JOIN (SELECT k, count(x) AS n FROM b GROUP BY k) s ON s.k = a.id;

-- case: self join aliases
-- edges: t.emp <- staff.name rename | t.boss <- staff.name rename
-- sources: staff
CREATE TABLE t AS SELECT e.name AS emp, m.name AS boss FROM staff e JOIN staff m ON e.manager_id = m.id;

-- case: trino unnest with ordinality
-- dialect: trino
-- sources: db.orders
-- edges: db.t.id <- db.orders.id identity | db.t.item <- db.orders.items expression
CREATE TABLE db.t AS SELECT o.id, i.item FROM db.orders o CROSS JOIN UNNEST(o.items) AS i(item);

-- case: athena unnest
-- dialect: athena
-- sources: lake.events
-- edges: lake.flat.tag <- lake.events.tags expression | lake.flat.id <- lake.events.id identity
CREATE TABLE lake.flat AS SELECT e.id, t.tag FROM lake.events e CROSS JOIN UNNEST(e.tags) AS t (tag);

-- case: spark lateral view explode
-- dialect: spark
-- sources: db.orders
-- edges: db.t.id <- db.orders.id identity | db.t.item <- db.orders.items expression
CREATE TABLE db.t AS SELECT o.id, x.item FROM db.orders o LATERAL VIEW explode(o.items) x AS item;

-- case: hive lateral view outer
-- dialect: hive
-- sources: db.s
-- targets: db.t
INSERT OVERWRITE TABLE db.t SELECT s.k, v.val FROM db.s s LATERAL VIEW OUTER explode(s.vals) v AS val;

-- case: bigquery unnest
-- dialect: bigquery
-- sources: proj.ds.orders
-- edges: proj.ds.t.id <- proj.ds.orders.id identity | proj.ds.t.item <- proj.ds.orders.items expression
CREATE TABLE proj.ds.t AS SELECT o.id, item FROM proj.ds.orders AS o, UNNEST(o.items) AS item;

-- case: postgres lateral subquery
-- dialect: postgres
-- sources: a, b
CREATE TABLE t AS SELECT a.id, l.x FROM a, LATERAL (SELECT b.x FROM b WHERE b.a_id = a.id LIMIT 1) l;

-- case: window in cte then filter
-- edges: t.id <- s.id identity | t.ts <- s.ts identity
-- sources: s
CREATE TABLE t AS WITH r AS (SELECT id, ts, row_number() OVER (PARTITION BY id ORDER BY ts DESC) AS rn FROM s) SELECT id, ts FROM r WHERE rn = 1;

-- case: qualify snowflake
-- dialect: snowflake
-- edges: t.id <- s.id identity
CREATE TABLE t AS SELECT id FROM s QUALIFY row_number() OVER (PARTITION BY id ORDER BY ts) = 1;

-- case: recursive cte
-- dialect: postgres
-- sources: edges_t
-- targets: t
CREATE TABLE t AS WITH RECURSIVE r AS (SELECT src, dst FROM edges_t UNION ALL SELECT r.src, e.dst FROM r JOIN edges_t e ON e.src = r.dst) SELECT src, dst FROM r;

-- case: group by ordinal
-- edges: t.k <- s.k identity | t.n <- s.v aggregate
CREATE TABLE t AS SELECT k, sum(v) AS n FROM s GROUP BY 1;

-- case: distinct
-- edges: t.k <- s.k identity
CREATE TABLE t AS SELECT DISTINCT k FROM s;

-- case: left join nulls
-- edges: t.a <- x.a identity | t.b <- y.b identity
CREATE TABLE t AS SELECT x.a, y.b FROM x LEFT JOIN y ON x.id = y.id;

-- case: full outer join coalesce
-- edges: t.id <- x.id expression | t.id <- y.id expression
CREATE TABLE t AS SELECT coalesce(x.id, y.id) AS id FROM x FULL OUTER JOIN y ON x.id = y.id;

-- case: join using
-- schema: {"x": {"id": "int", "a": "int"}, "y": {"id": "int", "b": "int"}}
-- sources: x, y
CREATE TABLE t AS SELECT id, a, b FROM x JOIN y USING (id);

-- case: cross join
-- edges: t.a <- x.a identity | t.b <- y.b identity
CREATE TABLE t AS SELECT x.a, y.b FROM x CROSS JOIN y;

-- case: subquery without alias mysql
-- dialect: mysql
-- sources: s
CREATE TABLE t AS SELECT a FROM (SELECT a FROM s) AS sub;

-- case: cte used twice
-- edges: t.a <- s.a identity | t.b <- s.a rename
CREATE TABLE t AS WITH c AS (SELECT a FROM s) SELECT c1.a, c2.a AS b FROM c c1 JOIN c c2 ON c1.a = c2.a;

-- case: select with order limit
-- sources: s
-- targets: none
SELECT a FROM s ORDER BY a LIMIT 10;

-- case: pivot-free case aggregation
-- edges: t.k <- s.k identity | t.a_total <- s.v aggregate | t.a_total <- s.kind aggregate
CREATE TABLE t AS SELECT k, sum(CASE WHEN kind = 'a' THEN v END) AS a_total FROM s GROUP BY k;

-- case: alias reference in same select snowflake
-- dialect: snowflake
-- schema: {"s": {"x": "int"}}
-- edges: t.a <- s.x expression | t.b <- s.x expression
CREATE TABLE t AS SELECT x + 1 AS a, a * 2 AS b FROM s;

-- case: values in cte no sources
-- sources: none
-- edges: none
CREATE TABLE t AS WITH v(a) AS (VALUES (1), (2)) SELECT a FROM v;

-- case: table function is not a source
-- dialect: postgres
-- sources: none
-- targets: t
CREATE TABLE t AS SELECT g FROM generate_series(1, 10) AS g;

-- case: duckdb read_parquet path source
-- dialect: duckdb
-- sources: s3://bucket/data.parquet
-- targets: t
CREATE TABLE t AS SELECT a FROM read_parquet('s3://bucket/data.parquet');

-- case: spark path table
-- dialect: spark
-- sources: s3://bucket/events
-- targets: db.t
CREATE TABLE db.t AS SELECT id FROM parquet.`s3://bucket/events`;

-- case: exists with correlation in select case
-- sources: a, b
-- edges: t.id <- a.id identity
CREATE TABLE t AS SELECT a.id, CASE WHEN EXISTS (SELECT 1 FROM b WHERE b.id = a.id) THEN 1 ELSE 0 END AS flag FROM a;

-- case: derived table with column aliases
-- edges: t.p <- s.a rename | t.q <- s.b rename
CREATE TABLE t AS SELECT p, q FROM (SELECT a, b FROM s) AS d(p, q);
