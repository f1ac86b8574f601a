"""The example warehouse SQL in sql_repo/ (Athena, Redshift, dbt after a Jinja render, Spark in
Python, the deliberately broken file), with lineage checked by hand against each file."""

from __future__ import annotations

import ast
from pathlib import Path

import jinja2

from lineage_assets.sql import extract_lineage

REPO = Path(__file__).resolve().parents[1] / "sql_repo"


def edges(lineage) -> set[tuple[str, str, str]]:
    return {(e.target, e.source, e.transform) for e in lineage.column_lineage}


def test_customer_features_masks_email_and_card_and_aggregates_amount() -> None:
    lineage = extract_lineage((REPO / "athena/04_customer_features.sql").read_text(), "athena")
    t = "analytics.customer_features"
    assert [s.kind for s in lineage.statements] == ["CREATE TABLE AS"]
    assert lineage.statements[0].start_line == 5
    assert sorted(lineage.targets) == sorted([t, "s3://acme-curated-lake/customer_features/"])
    assert sorted(lineage.sources) == ["analytics.customers_raw", "analytics.orders"]
    raw, orders = "analytics.customers_raw", "analytics.orders"
    # Read off the SELECT by hand: count(*) reads the rows of orders; status/dt only filter; the
    # CASE and the rank's ORDER BY read total_amount, itself sum(amount), so stay aggregates.
    assert edges(lineage) == {
        (f"{t}.customer_id", f"{raw}.customer_id", "identity"),
        (f"{t}.email_hash", f"{raw}.email", "masking"),
        (f"{t}.phone", f"{raw}.phone", "identity"),
        (f"{t}.card_last4", f"{raw}.card_number", "masking"),
        (f"{t}.age_years", f"{raw}.birth_date", "expression"),
        (f"{t}.country", f"{raw}.country", "identity"),
        (f"{t}.signup_date", f"{raw}.signup_date", "identity"),
        (f"{t}.order_count", f"{orders}.*", "aggregate"),
        (f"{t}.total_amount", f"{orders}.amount", "aggregate"),
        (f"{t}.last_order_ts", f"{orders}.order_ts", "aggregate"),
        (f"{t}.spend_tier", f"{orders}.amount", "aggregate"),
        (f"{t}.country_spend_rank", f"{raw}.country", "window"),
        (f"{t}.country_spend_rank", f"{orders}.amount", "aggregate"),
    }
    indirect = {(e.source, e.transform) for e in lineage.statements[0].indirect_lineage}
    assert (f"{orders}.status", "filter") in indirect
    assert (f"{orders}.customer_id", "group") in indirect


def test_customer_dim_merge() -> None:
    lineage = extract_lineage((REPO / "warehouse/20_customer_dim_merge.sql").read_text(), "athena")
    d, raw = "analytics.customer_dim", "analytics.customers_raw"
    assert lineage.targets == [d]
    assert lineage.sources == [raw]  # the MERGE target is not a source
    assert edges(lineage) == {
        (f"{d}.customer_id", f"{raw}.customer_id", "identity"),
        (f"{d}.full_name", f"{raw}.full_name", "identity"),
        (f"{d}.email_hash", f"{raw}.email", "masking"),
        (f"{d}.country", f"{raw}.country", "identity"),
        (f"{d}.signup_date", f"{raw}.signup_date", "identity"),
    }


def test_daily_revenue_delete_then_insert() -> None:
    lineage = extract_lineage((REPO / "warehouse/10_daily_revenue.sql").read_text(), "athena")
    r = "analytics.daily_revenue"
    assert [s.kind for s in lineage.statements] == ["DELETE", "INSERT"]
    assert lineage.targets == [r]
    assert lineage.sources == ["analytics.orders"]
    assert edges(lineage) == {
        (f"{r}.dt", "analytics.orders.dt", "identity"),
        (f"{r}.currency", "analytics.orders.currency", "expression"),
        (f"{r}.revenue", "analytics.orders.amount", "aggregate"),
        (f"{r}.orders", "analytics.orders.order_id", "aggregate"),
    }


def test_high_value_view_and_external_tables() -> None:
    view = extract_lineage((REPO / "warehouse/30_v_high_value_customers.sql").read_text(), "athena")
    assert view.statements[0].kind == "CREATE VIEW"
    assert sorted(view.sources) == ["analytics.customer_dim", "analytics.customer_features"]
    v = "analytics.v_high_value_customers"
    assert (f"{v}.phone", "analytics.customer_features.phone", "identity") in edges(view)
    raw = extract_lineage((REPO / "athena/01_customers_raw.sql").read_text(), "athena")
    assert raw.statements[0].kind == "CREATE EXTERNAL TABLE"
    assert raw.targets == ["analytics.customers_raw"]
    assert raw.sources == ["s3://acme-raw-landing/customers/"]


def test_redshift_unload_then_copy() -> None:
    lineage = extract_lineage((REPO / "redshift/40_unload_orders.sql").read_text(), "redshift")
    assert [s.kind for s in lineage.statements] == ["UNLOAD", "TRUNCATE", "COPY"]
    unload = lineage.statements[0]
    assert unload.targets == ["s3://acme-curated-lake/exports/orders/"]
    assert unload.sources == ["analytics.orders"]
    assert lineage.statements[2].sources == ["s3://acme-curated-lake/exports/orders/"]
    # The path is written then read: an intermediate, chained column by column.
    assert lineage.targets == ["reporting.orders_export"]
    assert lineage.sources == ["analytics.orders"]
    assert (
        "reporting.orders_export.amount",
        "analytics.orders.amount",
        "identity",
    ) in edges(lineage)


def test_broken_file_reports_its_line_and_keeps_the_good_statement() -> None:
    lineage = extract_lineage((REPO / "broken/99_syntax_error.sql").read_text(), "athena")
    good, bad = lineage.statements
    assert good.error is None and good.sources == ["analytics.orders"]
    assert bad.error is not None and bad.error.startswith("line 9")
    assert bad.start_line == 9


def render_dbt(path: Path) -> str:
    """A dbt model rendered the way dbt-athena would: ref/source to schema.table names."""
    env = jinja2.Environment()
    return env.from_string(path.read_text()).render(
        config=lambda **_: "",
        ref=lambda name: f"staging.{name}",
        source=lambda schema, table: f"{schema}.{table}",
        var=lambda name, default=None: default,
        is_incremental=lambda: False,
        this="ml.churn_training_set",
    )


def test_dbt_models_after_jinja_render() -> None:
    staging = extract_lineage(render_dbt(REPO / "dbt/models/staging/stg_orders.sql"), "athena")
    assert staging.sources == ["analytics.orders"]
    mart = extract_lineage(render_dbt(REPO / "dbt/models/marts/churn_training_set.sql"), "athena")
    assert sorted(mart.sources) == ["analytics.customer_features", "staging.stg_orders"]
    # dbt models are bare SELECTs: the model name is the target, so lineage is on the query.
    assert mart.statements[0].kind == "SELECT" and not mart.statements[0].error


def test_spark_sql_in_python() -> None:
    tree = ast.parse((REPO / "python/feature_job.py").read_text())
    calls = [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", "") == "sql"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]
    lineage = extract_lineage(";\n".join(calls), "spark")
    assert [s.kind for s in lineage.statements] == ["CREATE TABLE", "INSERT OVERWRITE"]
    s = "analytics.order_stats"
    found = edges(lineage)
    # The CREATE TABLE columns map the INSERT positionally, run_date is the partition column.
    assert (f"{s}.revenue_30d", "analytics.orders.amount", "aggregate") in found
    assert (f"{s}.orders_30d", "analytics.orders.order_id", "aggregate") in found
    assert (f"{s}.currency", "analytics.orders.currency", "identity") in found
