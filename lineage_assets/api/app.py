"""The read-only HTTP API over the published store: the original service's paths and query
parameters, the graph, impact, PII and snapshot answers, and the viewer at `/`.

One read-only connection to the published copy, reopened when the writer republishes, and a
cursor per request; nothing here writes the store or calls AWS. Errors reach clients as
short JSON (404 with close matches, 422, 413/414, 503 when nothing is published, 500 without
a trace); the trace goes to the server log only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from lineage_assets import config
from lineage_assets.api.limits import BodyTooLarge, RequestLimits
from lineage_assets.contract import AmbiguousName, UnknownName, build_lineage, catalog
from lineage_assets.contract import Request as LineageRequest
from lineage_assets.isolated import IsolationBusy, IsolationError, shared_pool
from lineage_assets.store import StoreError, connect_published, reader_cursor
from lineage_assets.store.deadline import QueryInterrupted, interrupted_after

STATIC = Path(__file__).with_name("static")
# Swagger UI for /docs, vendored from the npm package swagger-ui-dist 5.36.0.
SWAGGER_JS = "static/vendor/swagger-ui-bundle-5.36.0.js"
SWAGGER_CSS = "static/vendor/swagger-ui-5.36.0.css"
MAX_SQL_BYTES = 100_000
LOG = logging.getLogger("lineage_assets.api")
View = Literal["pipeline", "data", "both"]
WRITE_JOBS = (
    "Scans and refreshes are Dagster jobs, not API calls: launch `lineage_job` (or one asset, "
    "e.g. `s3_datasets`) from the Dagster UI, or `dagster job launch -j lineage_job`."
)


def _version() -> str:
    try:
        return metadata.version("lineage-assets")
    except metadata.PackageNotFoundError:
        return "0"


def _not_found(error: UnknownName) -> HTTPException:
    return HTTPException(
        404,
        {"type": "NotFound", "message": str(error), "kind": error.kind, "matches": error.matches},
    )


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class PublishedStore:
    """One read-only connection to the published copy, reopened when the writer replaces the
    file (publishing renames a new file into place, so an open one stays consistent); each
    request reads through its own cursor."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._identity: tuple[int, int] | None = None

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the newest published copy (StoreError if there is none)."""
        try:
            stat = self.path.stat()
            identity = (stat.st_ino, stat.st_mtime_ns)
        except FileNotFoundError:
            identity = None
        with self._lock:
            if self._conn is None or identity != self._identity:
                self._conn = connect_published(self.path)  # the old one closes when unused
                self._identity = identity
            return reader_cursor(self._conn)


def create_app(published: Path | None = None) -> FastAPI:
    """The API over one published store file (default: the configured data folder's)."""
    store_path = published or config.published_path()

    app = FastAPI(
        docs_url=None,  # served below from vendored files, so it works offline
        redoc_url=None,
        title="Lineage API",
        version=_version(),
        description="Read-only lineage of SageMaker pipelines, SQL and S3 datasets. " + WRITE_JOBS,
    )

    published_store = PublishedStore(store_path)
    timeout_s = config.api_timeout_s()
    parse_workers = shared_pool(config.query_memory_bytes())

    @contextmanager
    def connection() -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            cursor = published_store.cursor()
        except StoreError as error:
            raise HTTPException(503, {"type": "NotPublished", "message": str(error)}) from None
        try:
            with interrupted_after(cursor, timeout_s):
                yield cursor
        finally:
            cursor.close()

    @app.exception_handler(UnknownName)
    async def unknown(request: Request, error: UnknownName) -> JSONResponse:
        return JSONResponse({"detail": _not_found(error).detail}, status_code=404)

    @app.exception_handler(AmbiguousName)
    async def ambiguous(request: Request, error: AmbiguousName) -> JSONResponse:
        detail = {
            "type": "AmbiguousName",
            "message": str(error),
            "kind": error.kind,
            "regions": error.regions,
        }
        return JSONResponse({"detail": detail}, status_code=409)

    @app.exception_handler(QueryInterrupted)
    async def interrupted(request: Request, error: QueryInterrupted) -> JSONResponse:
        message = f"request interrupted after {timeout_s:g} s (LINEAGE_API_TIMEOUT)"
        return JSONResponse({"detail": {"type": "Timeout", "message": message}}, status_code=503)

    @app.exception_handler(duckdb.OutOfMemoryException)
    async def out_of_memory(request: Request, error: duckdb.OutOfMemoryException) -> JSONResponse:
        message = "request needed more memory than LINEAGE_QUERY_MEMORY allows"
        return JSONResponse(
            {"detail": {"type": "OutOfMemory", "message": message}}, status_code=503
        )

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, error: BodyTooLarge) -> JSONResponse:
        return JSONResponse({"detail": "request body too large"}, status_code=413)

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> JSONResponse:
        LOG.exception("unhandled error on %s", request.url.path)
        return JSONResponse(
            {"detail": {"type": "ServerError", "message": "internal error; see the server log"}},
            status_code=500,
        )

    @app.get("/health", tags=["service"])
    def health() -> dict[str, Any]:
        """Service status and version; `store.published` says whether a crawl has published."""
        return {
            "status": "ok",
            "version": _version(),
            "store": {"published": store_path.exists()},
        }

    @app.get("/sagemaker/pipelines", tags=["sagemaker"])
    def sagemaker_pipelines(
        regions: Annotated[str | None, Query(max_length=2000)] = None,
        includeLatestExec: bool = False,
        name: Annotated[str | None, Query(max_length=256)] = None,
        domainName: Annotated[str | None, Query(max_length=256)] = None,
        domainId: Annotated[str | None, Query(max_length=256)] = None,
        profile: Annotated[str | None, Query(max_length=256)] = None,
    ) -> dict[str, Any]:
        """Crawled pipelines by region, each with its account (the original's filters;
        `profile` is accepted and ignored: the API never calls AWS)."""
        with connection() as conn:
            return catalog.list_pipelines(
                conn,
                _csv(regions),
                include_latest_execution=includeLatestExec,
                name=name,
                domain_name=domainName,
                domain_id=domainId,
            )

    @app.get("/lineage", tags=["lineage"])
    def lineage(
        pipeline: Annotated[str, Query(max_length=256)],
        region: Annotated[str | None, Query(max_length=64)] = None,
        domain: Annotated[str | None, Query(max_length=256)] = None,
        includeLatestExec: bool = False,
        view: View = "both",
        includePII: bool = False,
        execution: Annotated[str | None, Query(max_length=2048)] = None,
        profile: Annotated[str | None, Query(max_length=256)] = None,
        account: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    ) -> dict[str, Any]:
        """One pipeline's lineage document (schema: `lineage_assets/contract/schema.json`).
        `execution` (ARN or id) shows the definition that execution ran with its data;
        `includeLatestExec` the same for the newest execution; neither: the current
        definition. PII is always included (it is stored); `includePII` is accepted.
        Without `region`, a name crawled in several regions is 409 listing them; without
        `account`, a name crawled in several accounts of one region likewise."""
        with connection() as conn:
            document = build_lineage(
                conn,
                LineageRequest(pipeline, region, view, includeLatestExec, execution, account),
            )
            if domain and domain.lower() not in {
                str(document["domain"].get("DomainName", "")).lower(),
                str(document["pipeline"]["tags"].get("DomainName", "")).lower(),
            }:
                raise HTTPException(
                    404, {"type": "NotFound", "message": f"{pipeline} is not in domain {domain}"}
                )
            return document

    @app.get("/lineage/by-domain", tags=["lineage"])
    def lineage_by_domain(
        region: Annotated[str, Query(max_length=64)],
        domain: Annotated[str, Query(max_length=256)],
        includeLatestExec: bool = False,
        view: View = "both",
        includePII: bool = False,
        profile: Annotated[str | None, Query(max_length=256)] = None,
    ) -> dict[str, Any]:
        """The lineage of every pipeline of a Studio domain (by name or id)."""
        with connection() as conn:
            return catalog.lineage_by_domain(
                conn, region, domain, view=view, include_latest=includeLatestExec
            )

    @app.get("/datasets/{bucket}/{prefix:path}/schema/versions", tags=["datasets"])
    def dataset_schema_versions(bucket: str, prefix: str) -> list[dict[str, Any]]:
        """Every schema version of a sampled dataset, newest first."""
        with connection() as conn:
            return catalog.schema_versions(conn, bucket, prefix)

    @app.get("/datasets/{bucket}/{prefix:path}/schema", tags=["datasets"])
    def dataset_schema(
        bucket: str, prefix: str, version: Annotated[str | None, Query(max_length=128)] = None
    ) -> dict[str, Any]:
        """A sampled dataset's latest (or given) schema version."""
        with connection() as conn:
            return catalog.dataset_schema(conn, bucket, prefix, version)

    @app.post("/sql/lineage", tags=["sql"])
    def sql_lineage(
        sql: Annotated[str | None, Query(max_length=MAX_SQL_BYTES)] = None,
        dialect: Annotated[str | None, Query(max_length=32)] = None,
        body: Annotated[dict[str, Any] | None, Body()] = None,
    ) -> dict[str, Any]:
        """Lineage of SQL given as the `sql`/`dialect` query parameters or a JSON body
        `{"sql": …, "dialect": …}`. Parsed with sqlglot, never executed, in a worker process
        killed after `LINEAGE_API_TIMEOUT` or past `LINEAGE_QUERY_MEMORY` (422, one line)."""
        from lineage_assets.api.sql_answer import sql_answer  # the SQL engine, on first use

        text = sql if sql is not None else (body or {}).get("sql")
        dialect = dialect if dialect is not None else (body or {}).get("dialect")
        if not isinstance(text, str) or not text.strip():
            raise HTTPException(422, 'give the SQL as ?sql=… or a JSON body {"sql": …}')
        if len(text.encode()) > MAX_SQL_BYTES:
            raise HTTPException(413, f"SQL larger than {MAX_SQL_BYTES} bytes")
        if dialect is not None and not isinstance(dialect, str):
            raise HTTPException(422, "dialect must be a string")
        try:
            return parse_workers.call(
                sql_answer, text, dialect, timeout_s=timeout_s, what="SQL parse"
            )
        except IsolationBusy as error:
            raise HTTPException(503, {"type": "Busy", "message": str(error)}) from None
        except IsolationError as error:
            raise HTTPException(422, {"type": "ParseBound", "message": str(error)}) from None

    @app.get("/graph", tags=["graph"])
    def graph() -> dict[str, Any]:
        """The newest global snapshot: every node above column level, its edges, PII."""
        with connection() as conn:
            return catalog.global_graph(conn)

    @app.get("/impact", tags=["graph"])
    def impact(
        node: Annotated[str, Query(max_length=2048)],
        direction: Literal["downstream", "upstream"] = "downstream",
        depth: Annotated[int, Query(ge=1, le=catalog.MAX_IMPACT_DEPTH)] = 10,
    ) -> dict[str, Any]:
        """Nodes downstream (or upstream) of a node id such as `table:analytics.orders`."""
        with connection() as conn:
            return catalog.impact(conn, node, direction, depth)

    @app.get("/pii-exposure", tags=["graph"])
    def pii_exposure() -> dict[str, Any]:
        """Datasets, tables, feature groups and models that contain or were trained on PII."""
        with connection() as conn:
            return catalog.pii_exposure(conn)

    @app.get("/snapshots", tags=["snapshots"])
    def snapshots(
        scope: Annotated[str | None, Query(max_length=512)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        """Stored graph snapshots, newest first (scope `global` or `sagemaker:<region>/<name>`)."""
        with connection() as conn:
            return catalog.snapshots(conn, scope, limit)

    @app.get("/snapshots/diff", tags=["snapshots"])
    def snapshots_diff(
        scope: Annotated[str, Query(max_length=512)],
        from_: Annotated[str | None, Query(alias="from", max_length=64)] = None,
        to: Annotated[str | None, Query(max_length=64)] = None,
    ) -> dict[str, Any]:
        """Nodes, edges and PII classes that changed between two snapshots of a scope."""
        with connection() as conn:
            return catalog.snapshot_diff(conn, scope, from_, to)

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="openapi.json",
            title="Lineage API",
            swagger_js_url=SWAGGER_JS,
            swagger_css_url=SWAGGER_CSS,
            swagger_favicon_url="data:,",
        )

    @app.get("/", include_in_schema=False)
    def viewer() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def bounded_app(published: Path | None = None) -> RequestLimits:
    """The app behind the request-size limits (what `lineage-assets serve` runs)."""
    return RequestLimits(create_app(published))
