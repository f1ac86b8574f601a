"""SQL from git: `sql_sources` syncs the repository incrementally into the store and
`sql_lineage` summarises the SQL lineage and publishes it."""

from typing import Any

import dagster as dg

from dagster_project.metadata import bullets, code, table
from dagster_project.names import CRAWL_RUN, SOURCES_GROUP, SQL_LINEAGE, SQL_SOURCES
from dagster_project.resources import DUCKDB_POOL, LineageStoreResource, SqlRepoResource, require
from dagster_project.runs import crawl_run_id

TOP_TABLES = 15

PARSE_ERROR_COLUMNS = ("file", "line", "error")


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
    from lineage_assets.git_sql.views import sync_summary

    with lineage_store.writer() as store:
        summary = sync_summary(store.conn, top=TOP_TABLES)
        store.publish()
    return dg.MaterializeResult(
        metadata={
            "table_edges": summary.table_edges,
            "column_edges": summary.column_edges,
            "indirect_column_edges": summary.indirect_column_edges,
            "sql_files": summary.sql_files,
            "statements": summary.statements,
            "top_tables": dg.MetadataValue.md(
                "| table | written from | read by |\n|---|---|---|\n"
                + "\n".join(
                    f"| {code(t.table_name)} | {t.written_from} | {t.read_by} |"
                    for t in summary.top_tables
                )
            ),
            "parse_errors": table(
                ({"file": e.file, "line": e.line, "error": e.error} for e in summary.parse_errors),
                PARSE_ERROR_COLUMNS,
            ),
        }
    )
