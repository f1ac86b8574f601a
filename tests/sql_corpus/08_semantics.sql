-- case: spark reads a relative folder in place under its file format
-- dialect: spark
-- targets: mart.events
-- sources: landing/events/2024/
INSERT INTO mart.events SELECT * FROM json.`landing/events/2024/`;

-- case: databricks delta path read in place
-- dialect: databricks
-- targets: none
-- sources: /mnt/lake/orders
SELECT order_id FROM delta.`/mnt/lake/orders`;

-- case: a procedure that fills a table and then reads it reads and writes both
-- dialect: tsql
-- targets: dw.stage_orders, dw.order_totals
-- sources: erp.orders, dw.stage_orders
-- edges: dw.stage_orders.id <- erp.orders.id identity | dw.order_totals.total <- dw.stage_orders.amount aggregate
CREATE PROCEDURE dw.refresh_orders AS
BEGIN
INSERT INTO dw.stage_orders (id) SELECT id FROM erp.orders;
INSERT INTO dw.order_totals (total) SELECT SUM(amount) FROM dw.stage_orders;
END

-- case: a session table inside a procedure stays an intermediate
-- dialect: bigquery
-- targets: rpt.daily
-- sources: raw.clicks
-- edges: rpt.daily.n <- raw.clicks.user_id aggregate
CREATE PROCEDURE rpt.load_daily()
BEGIN
CREATE TEMP TABLE clicks_today AS SELECT user_id FROM raw.clicks;
INSERT INTO rpt.daily (n) SELECT COUNT(user_id) FROM clicks_today;
END

-- case: cache table with a query alone moves no data
-- dialect: spark
-- kinds: CACHE
-- targets: none
-- sources: none
-- edges: none
CACHE TABLE hot_customers SELECT * FROM crm.customers WHERE tier = 'gold';

-- case: a cached query read later is read through
-- dialect: databricks
-- targets: crm.gold_ids
-- sources: crm.customers
-- edges: crm.gold_ids.customer_id <- crm.customers.id rename
CACHE TABLE gold AS SELECT id FROM crm.customers WHERE tier = 'gold';
INSERT INTO crm.gold_ids (customer_id) SELECT id FROM gold;

-- case: count star per group reads the rows of its table
-- targets: rpt.visits_by_day
-- sources: web.visits
-- edges: rpt.visits_by_day.day <- web.visits.day identity | rpt.visits_by_day.visits <- web.visits.* aggregate
INSERT INTO rpt.visits_by_day SELECT day, COUNT(*) AS visits FROM web.visits GROUP BY day;

-- case: a star qualified by the table's own name though it has an alias
-- targets: mart.wide
-- sources: crm.accounts, crm.owners
-- edges: mart.wide.* <- crm.accounts.* identity
INSERT INTO mart.wide SELECT accounts.* FROM crm.accounts acc JOIN crm.owners o ON acc.owner_id = o.id;

-- case: tsql compound assignment in an update through an alias
-- dialect: tsql
-- targets: inv.stock
-- sources: inv.receipts
-- edges: inv.stock.qty <- inv.stock.qty expression | inv.stock.qty <- inv.receipts.received expression
UPDATE s SET s.qty += r.received FROM inv.stock AS s JOIN inv.receipts AS r ON s.sku = r.sku;

-- case: athena query with hive backquoted names
-- dialect: athena
-- targets: none
-- sources: logs.alb_raw
SELECT `elb_status_code`, count(*) FROM `logs`.`alb_raw` GROUP BY 1;

-- case: vertica moves staging partitions into the target with a function call
-- targets: sales.facts
-- sources: sales.facts_staging
SELECT SWAP_PARTITIONS_BETWEEN_TABLES('sales.facts_staging', '2024-01', '2024-03', 'sales.facts');

-- case: backquoted names without a dialect are read as hive
-- targets: none
-- sources: lake.page_views
SELECT `url`, `ts` FROM `lake`.`page_views`;

-- case: a double-colon cast keeps the column's name
-- dialect: postgres
-- targets: stage.events_typed
-- sources: stage.events_raw
-- edges: stage.events_typed.created_at <- stage.events_raw.created_at cast | stage.events_typed.cast(amount as decimal(10, 2)) <- stage.events_raw.amount cast
INSERT INTO stage.events_typed SELECT created_at::timestamp, CAST(amount AS DECIMAL(10, 2)) FROM stage.events_raw;

-- case: teradata title and named phrases
-- dialect: teradata
-- targets: hr.staff_v
-- sources: hr.staff
-- edges: hr.staff_v.full_name <- hr.staff.full_name identity | hr.staff_v.born <- hr.staff.birth_date rename
CREATE VIEW hr.staff_v AS SELECT full_name (TITLE 'Name'), birth_date (NAMED born) FROM hr.staff;

-- case: a tsql procedure ends at its batch; the next batch chains as a script
-- dialect: tsql
-- targets: dbo.audit, dbo.summary
-- sources: dbo.events, dbo.raw
CREATE PROCEDURE dbo.log_events AS
BEGIN
    INSERT INTO dbo.audit SELECT * FROM dbo.events
END
GO
INSERT INTO dbo.staging SELECT * FROM dbo.raw
INSERT INTO dbo.summary SELECT * FROM dbo.staging
GO

-- case: a bigquery procedure ends at its own END; later statements chain as a script
-- dialect: bigquery
-- targets: ds.audit, ds.summary
-- sources: ds.events, ds.raw
CREATE PROCEDURE ds.log_events()
BEGIN
  IF TRUE THEN
    BEGIN
      INSERT INTO ds.audit SELECT * FROM ds.events;
    END;
  END IF;
END;
CREATE TABLE ds.staging AS SELECT * FROM ds.raw;
INSERT INTO ds.summary SELECT * FROM ds.staging;
