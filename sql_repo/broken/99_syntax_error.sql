-- DELIBERATELY BROKEN: this file has a syntax error on purpose ("SELEC", and a WHERE
-- with no condition). It exists so the SQL crawler's error handling can be demonstrated
-- and tested: the parse failure must be recorded for this file without stopping the
-- crawl of the others. Do not fix it.
SELECT count(*) AS open_orders
FROM analytics.orders
WHERE status = 'PLACED';

SELEC customer_id FROM analytics.orders WHERE;
