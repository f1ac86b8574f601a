"""The `parse_inline_sql` job: stores SQL given in its run config as `inline:<name>` (parsed,
never executed)."""

import dagster as dg

from dagster_project.metadata import bullets
from dagster_project.names import PARSE_INLINE_SQL_JOB
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource


class InlineSqlConfig(dg.Config):
    """Run config of `parse_inline_sql`."""

    sql: str
    name: str
    dialect: str = ""


@dg.op(pool=DUCKDB_POOL, description="Parses the SQL (never runs it) and stores inline:<name>.")
def parse_inline_sql_op(
    context: dg.OpExecutionContext, config: InlineSqlConfig, lineage_store: LineageStoreResource
) -> dg.Output[str]:
    from lineage_assets.git_sql.inline import inline_records

    records = inline_records(config.name, config.sql, config.dialect or None)
    with lineage_store.writer() as store:
        store.replace_source(records)
        store.publish()
    statements = records.rows["sql_statements"]
    errors = [f"{config.name}:{s['start_line']}: {s['error']}" for s in statements if s["error"]]
    for error in errors:
        context.log.warning(error)
    return dg.Output(
        records.source_key,
        metadata={
            "source_key": records.source_key,
            "statements": len(statements),
            "table_edges": len(records.rows["table_edges"]),
            "column_edges": len(records.rows["column_edges"]),
            "parse_errors": bullets(errors),
        },
    )


@dg.job(
    name=PARSE_INLINE_SQL_JOB,
    description="Parse SQL given in the run config and store it as `inline:<name>`.",
)
def parse_inline_sql() -> None:
    parse_inline_sql_op()
