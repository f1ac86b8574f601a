"""SQL from git: `sql_sources` syncs the repository incrementally into the store and
`sql_lineage` summarises the SQL lineage and publishes it."""

from typing import Any

import dagster as dg

from dagster_project.metadata import bullets, code, table
from dagster_project.names import CRAWL_RUN, SOURCES_GROUP, SQL_LINEAGE, SQL_SOURCES
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource, SqlRepoResource, require
from dagster_project.runs import crawl_run_id

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
PARSE_ERRORS_SQL = """
SELECT coalesce(f.path, st.source_key) AS file, st.start_line AS line, st.error
FROM sql_statements st LEFT JOIN sql_files f USING (source_key)
WHERE st.error IS NOT NULL ORDER BY file, line
"""


@dg.asset(
    key=SQL_SOURCES,
    deps=[CRAWL_RUN],
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
        run_id = crawl_run_id(store, context)
        result = sync_repository(
            sql_repo.source_config(), store, lineage_store.home / "git", run_id
        )
    if result.error:
        context.log.error(result.error)
    for warning in result.warnings:
        context.log.warning(warning)
    summary: dict[str, Any] = {k: v for k, v in result.summary().items() if v is not None}
    return dg.MaterializeResult(
        metadata={
            **summary,
            "changed_files": bullets(
                [f"added {code(p)}" for p in result.added]
                + [f"changed {code(p)}" for p in result.changed]
                + [f"renamed {code(a)} → {code(b)}" for a, b in result.renamed]
                + [f"deleted {code(p)} in {code(c or 'unknown commit')}" for p, c in result.deleted]
            ),
        }
    )


@dg.asset(
    key=SQL_LINEAGE,
    deps=[SQL_SOURCES],
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
        errors = conn.execute(PARSE_ERRORS_SQL).fetchall()
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
