"""Nightly order statistics per customer, run as an EMR Serverless Spark job.

Reads analytics.orders through the Glue catalog and overwrites one partition of
analytics.order_stats. Submitted by the `feature-jobs` Step Functions state machine
with `--run-date yyyy-MM-dd`.
"""

from __future__ import annotations

import argparse

from pyspark.sql import SparkSession


def main() -> None:
    """Compute the 30-day order statistics for one run date."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--run-date", required=True, help="partition to build, yyyy-MM-dd")
    args = parser.parse_args()

    spark = (
        SparkSession.builder.appName("order-stats")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .enableHiveSupport()
        .getOrCreate()
    )

    spark.sql("""
        CREATE TABLE IF NOT EXISTS analytics.order_stats (
            customer_id string,
            currency string,
            orders_30d bigint,
            revenue_30d decimal(14, 2),
            avg_order_value decimal(14, 2),
            first_order_ts timestamp,
            last_order_ts timestamp
        )
        PARTITIONED BY (run_date string)
        STORED AS PARQUET
        LOCATION 's3://acme-curated-lake/order_stats/'
    """)

    # Named parameter markers (Spark 3.4+) keep the run date out of string formatting.
    spark.sql(
        """
        INSERT OVERWRITE TABLE analytics.order_stats PARTITION (run_date)
        SELECT
            customer_id,
            currency,
            count(DISTINCT order_id) AS orders_30d,
            sum(amount) AS revenue_30d,
            avg(amount) AS avg_order_value,
            min(order_ts) AS first_order_ts,
            max(order_ts) AS last_order_ts,
            :run_date AS run_date
        FROM analytics.orders
        WHERE status = 'COMPLETED'
            AND dt > date_format(date_sub(to_date(:run_date), 30), 'yyyy-MM-dd')
            AND dt <= :run_date
        GROUP BY customer_id, currency
        """,
        args={"run_date": args.run_date},
    )
    spark.stop()


if __name__ == "__main__":
    main()
