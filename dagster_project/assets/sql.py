"""SQL from git: `sql_sources` syncs the repository incrementally into the store,
`sql_lineage` summarises the SQL lineage and publishes it, a check warns on parse errors,
and the `parse_inline_sql` job stores SQL given in its run config (never executed)."""

import dagster as dg

from dagster_project.assets.store import crawl_run, run_trigger
from dagster_project.metadata import bullets, code, listing_check, table
from dagster_project.names import SOURCES_GROUP
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource, SqlRepoResource, require

TOP_TABLES = 15

_TOP_TABLES_SQL = """
WITH ends AS (
    SELECT target_table AS table_name, 'in' AS side FROM table_edges
    UNION ALL SELECT source_table, 'out' FROM table_edges
)
SELECT table_name, count(*) FILTER (WHERE side = 'in') AS written_from,
       count(*) FILTER (WHERE side = 'out') AS read_by
FROM ends GROUP BY table_name ORDER BY count(*) DESC, table_name LIMIT ?
"""

PARSE_ERROR_COLUMNS = ("file", "line", "error")
_PARSE_ERRORS_SQL = """
SELECT coalesce(f.path, st.source_key) AS file, st.start_line AS line, st.error
FROM sql_statements st LEFT JOIN sql_files f USING (source_key)
WHERE st.error IS NOT NULL ORDER BY file, line
"""


@dg.asset(
    deps=[crawl_run],
    group_name=SOURCES_GROUP,
    kinds={"git", "sql", "duckdb"},
    pool=DUCKDB_POOL,
    description="Fetches the SQL repository and re-parses exactly the files whose blob changed.",
)
def sql_sources(
    context: dg.AssetExecutionContext,
    lineage_store: LineageStoreResource,
    sql_repo: SqlRepoResource,
) -> dg.MaterializeResult:
    from lineage_assets.git_sql.sync import sync_repository

    require(lineage_store, sql_repo)
    with lineage_store.writer() as store:
        run_id = store.run_for(context.run.run_id, run_trigger(context))
        result = sync_repository(
            sql_repo.source_config(), store, lineage_store.home / "git", run_id
        )
    if result.error:
        context.log.error(result.error)
    for warning in result.warnings:
        context.log.warning(warning)
    return dg.MaterializeResult(
        metadata={
            **{k: v for k, v in result.summary().items() if v is not None},
            "changed_files": bullets(
                [f"added {code(p)}" for p in result.added]
                + [f"changed {code(p)}" for p in result.changed]
                + [f"renamed {code(a)} → {code(b)}" for a, b in result.renamed]
                + [f"deleted {code(p)} in {code(c or 'unknown commit')}" for p, c in result.deleted]
            ),
        }
    )


@dg.asset(
    deps=[sql_sources],
    group_name=SOURCES_GROUP,
    kinds={"sql", "duckdb"},
    pool=DUCKDB_POOL,
    description="Table and column lineage parsed from the SQL, summarised; publishes the store.",
)
def sql_lineage(lineage_store: LineageStoreResource) -> dg.MaterializeResult:
    with lineage_store.writer() as store:
        conn = store.conn
        (tables, columns, indirect, files, statements) = conn.execute(
            "SELECT (SELECT count(*) FROM table_edges), "
            "(SELECT count(*) FROM column_edges WHERE NOT is_indirect), "
            "(SELECT count(*) FROM column_edges WHERE is_indirect), "
            "(SELECT count(*) FROM sql_files), (SELECT count(*) FROM sql_statements)"
        ).fetchone()
        top = conn.execute(_TOP_TABLES_SQL, [TOP_TABLES]).fetchall()
        errors = conn.execute(_PARSE_ERRORS_SQL).fetchall()
        store.publish()
    return dg.MaterializeResult(
        metadata={
            "table_edges": tables,
            "column_edges": columns,
            "indirect_column_edges": indirect,
            "sql_files": files,
            "statements": statements,
            "top_tables": dg.MetadataValue.md(
                "| table | written from | read by |\n|---|---|---|\n"
                + "\n".join(f"| {code(t)} | {w} | {r} |" for t, w, r in top)
            ),
            "parse_errors": table(
                ({"file": f, "line": n, "error": e} for f, n, e in errors),
                PARSE_ERROR_COLUMNS,
            ),
        }
    )


@dg.asset_check(asset=sql_lineage, description="Warns when any SQL statement failed to parse.")
def sql_statements_parse(lineage_store: LineageStoreResource) -> dg.AssetCheckResult:
    with lineage_store.reader() as conn:
        errors = conn.execute(_PARSE_ERRORS_SQL).fetchall()
    return listing_check(
        errors,
        lambda row: f"{code(f'{row[0]}:{row[1]}')}: {code(row[2])}",
        severity=dg.AssetCheckSeverity.WARN,
        count="failed_statements",
    )


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


@dg.job(description="Parse SQL given in the run config and store it as `inline:<name>`.")
def parse_inline_sql() -> None:
    parse_inline_sql_op()
