"""The read-only HTTP API over the published store: the original service's paths and query
parameters, the graph, impact, PII and snapshot answers, and the viewer at `/`.

One read-only connection to the published copy, reopened when the writer republishes, and a
cursor per request; nothing here writes the store or calls AWS. Errors reach clients as
JSON of one shape: `detail` as the original service gave it for that status (a one-line string
for 404 and 409, FastAPI's list for 422, an object for 5xx) beside a top-level `type` and
one-line `message`, plus what helps (`matches`, `regions`): 404 with close matches, 409, 422,
413/414, 501 for the original's write endpoints, 503 when nothing is published, 500 without a
trace (the trace goes to the server log only). Any origin may read (CORS, without credentials);
HEAD is answered like GET.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
from fastapi import Body, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from lineage_assets import config
from lineage_assets.api.head import HeadAsGet
from lineage_assets.api.limits import BodyTooLarge, RequestLimits, error_body
from lineage_assets.contract import (
    AmbiguousName,
    UnknownName,
    build_lineage,
    catalog,
    feature_store,
    retention_report,
    schema_layer,
)
from lineage_assets.contract import Request as LineageRequest
from lineage_assets.isolated import IsolationBusy, IsolationError, shared_pool
from lineage_assets.store import StoreError, connect_published_private, reader_cursor
from lineage_assets.store.deadline import QueryInterrupted, interrupted_after

STATIC = Path(__file__).with_name("static")
# Swagger UI for /docs, vendored from the npm package swagger-ui-dist 5.36.0.
SWAGGER_JS = "static/vendor/swagger-ui-bundle-5.36.0.js"
SWAGGER_CSS = "static/vendor/swagger-ui-5.36.0.css"
MAX_SQL_BYTES = 100_000
MAX_BUCKET_CHARS = 255  # S3 allows 63; a longer one is refused before any read
MAX_PREFIX_CHARS = 1024  # S3's longest key
MAX_ECHO_CHARS = 200  # of an invalid parameter, sent back in a 422
LOG = logging.getLogger("lineage_assets.api")
View = Literal["pipeline", "data", "both"]
Bucket = Annotated[str, PathParam(max_length=MAX_BUCKET_CHARS)]
Prefix = Annotated[str, PathParam(max_length=MAX_PREFIX_CHARS)]
Account = Annotated[str | None, Query(pattern=r"^\d{12}$")]
# A name that could be one: no control character and no U+FFFD (what an invalid UTF-8
# percent-encoding decodes to).
PRINTABLE_NAME = r"^[^\x00-\x1f\x7f\ufffd]+$"
WRITE_JOBS = (
    "Scans and refreshes are Dagster jobs, not API calls: launch `lineage_job` (or one asset, "
    "e.g. `s3_dataset_schemas`) from the Dagster UI, or `dagster job launch -j lineage_job`."
)

SCAN_JOB = (
    "this API only reads: a schema scan is the Dagster job `s3_schema_scan_job` "
    "(config {s3_uri}) or the nightly asset `s3_dataset_schemas`"
)
RETENTION_REPORTS = (
    "this API only reads and proxies no collector: put the collectors' reports where "
    "LINEAGE_RETENTION_REPORTS points; the asset `retention_reports` loads them"
)


def _version() -> str:
    try:
        return metadata.version("lineage-assets")
    except metadata.PackageNotFoundError:
        return "0"


def error_response(
    status: int,
    detail: Any,
    type_: str | None = None,
    headers: Mapping[str, str] | None = None,
    message: str | None = None,
    **extra: Any,
) -> JSONResponse:
    """An error in the API's one shape: `detail` as given, `type` and a one-line `message`
    taken from it (or from the status), and any extra keys."""
    if isinstance(detail, dict):
        type_ = type_ or detail.get("type")
        message = message or detail.get("message")
    body = error_body(status, detail, type_, message)
    return JSONResponse({**body, **extra}, status_code=status, headers=headers)


def _bounded_input(error: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's error with the offending input cut to MAX_ECHO_CHARS: a 64 KiB parameter is
    not sent back whole."""
    value = error.get("input")
    if isinstance(value, str) and len(value) > MAX_ECHO_CHARS:
        return {**error, "input": value[:MAX_ECHO_CHARS] + "…"}
    if not isinstance(value, str | int | float | bool | None):
        text = repr(value)
        if len(text) > MAX_ECHO_CHARS:
            return {**error, "input": text[:MAX_ECHO_CHARS] + "…"}
    return error


def _one_line(errors: list[dict[str, Any]]) -> str:
    """FastAPI's validation errors as one line: `query.view: Input should be …; …`."""
    parts = [
        ".".join(str(part) for part in error.get("loc", ())) + ": " + str(error.get("msg", ""))
        for error in errors[:5]
    ]
    return "; ".join(parts) or "invalid request"


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
                # an instance of its own: DuckDB would hand back the replaced file's instance
                # while a cursor on it is open; the old one closes when unused
                self._conn = connect_published_private(self.path)
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

    app.add_middleware(HeadAsGet)
    app.add_middleware(
        CORSMiddleware,  # the original's browser clients call from their own origin
        allow_origins=["*"],
        allow_credentials=False,  # no cookies: a page elsewhere cannot ride a proxy's login
        allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
        allow_headers=["*"],
        max_age=600,
    )

    @app.exception_handler(UnknownName)
    async def unknown(request: Request, error: UnknownName) -> JSONResponse:
        return error_response(404, str(error), "NotFound", kind=error.kind, matches=error.matches)

    @app.exception_handler(AmbiguousName)
    async def ambiguous(request: Request, error: AmbiguousName) -> JSONResponse:
        return error_response(
            409, str(error), "AmbiguousName", kind=error.kind, regions=error.regions
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [_bounded_input(e) for e in jsonable_encoder(error.errors())]
        return error_response(422, errors, "ValidationError", message=_one_line(errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return error_response(error.status_code, error.detail, headers=error.headers)

    @app.exception_handler(QueryInterrupted)
    async def interrupted(request: Request, error: QueryInterrupted) -> JSONResponse:
        message = f"request interrupted after {timeout_s:g} s (LINEAGE_API_TIMEOUT)"
        return error_response(503, {"type": "Timeout", "message": message})

    @app.exception_handler(duckdb.OutOfMemoryException)
    async def out_of_memory(request: Request, error: duckdb.OutOfMemoryException) -> JSONResponse:
        message = "request needed more memory than LINEAGE_QUERY_MEMORY allows"
        return error_response(503, {"type": "OutOfMemory", "message": message})

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, error: BodyTooLarge) -> JSONResponse:
        return error_response(413, "request body too large")

    @app.exception_handler(Exception)
    async def server_error(request: Request, error: Exception) -> JSONResponse:
        LOG.exception("unhandled error on %s", request.url.path)
        message = "internal error; see the server log"
        return error_response(500, {"type": "ServerError", "message": message})

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
        account: Account = None,
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
                raise UnknownName(f"pipeline in domain {domain}", pipeline, [])
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
    def dataset_schema_versions(bucket: Bucket, prefix: Prefix) -> list[dict[str, Any]]:
        """Every schema version of a sampled dataset, newest first (`[]` for a dataset never
        sampled, as the original answered)."""
        with connection() as conn:
            return catalog.schema_versions(conn, bucket, prefix)

    @app.get("/datasets/{bucket}/{prefix:path}/schema", tags=["datasets"])
    def dataset_schema(
        bucket: Bucket,
        prefix: Prefix,
        version: Annotated[str | None, Query(max_length=128)] = None,
    ) -> dict[str, Any]:
        """A sampled dataset's latest (or given) schema version."""
        with connection() as conn:
            return catalog.dataset_schema(conn, bucket, prefix, version)

    @app.get("/featurestore/feature-groups", tags=["featurestore"])
    def feature_groups(
        region: Annotated[str, Query(max_length=64)],
        nameContains: Annotated[str | None, Query(max_length=256)] = None,
        account: Account = None,
        profile: Annotated[str | None, Query(max_length=256)] = None,
    ) -> dict[str, Any]:
        """The region's crawled feature groups `{"items":[{name, arn, account}]}` (`profile`
        is accepted and ignored)."""
        with connection() as conn:
            return feature_store.feature_groups(conn, region, nameContains, account)

    @app.get("/featurestore/feature-groups/{name}", tags=["featurestore"])
    def feature_group(
        name: Annotated[str, PathParam(max_length=64)],
        region: Annotated[str, Query(max_length=64)],
        account: Account = None,
        profile: Annotated[str | None, Query(max_length=256)] = None,
    ) -> dict[str, Any]:
        """One feature group, normalised as the original did (404 when unknown)."""
        with connection() as conn:
            return feature_store.feature_group(conn, region, name, account)

    @app.get("/pipelines/{name}/sql-lineage", tags=["sql"])
    def pipeline_sql_lineage(
        name: Annotated[str, PathParam(max_length=256, pattern=PRINTABLE_NAME)],
        region: Annotated[str | None, Query(max_length=64)] = None,
        account: Account = None,
    ) -> dict[str, Any]:
        """The SQL each step of a pipeline runs: `{"ok", "pipeline", "steps":[{step, dst,
        sources, columns, file, ts, …}]}` (`region`, ignored by the original, picks one of
        a name crawled in several)."""
        with connection() as conn:
            return schema_layer.sql_lineage(conn, name, region, account)

    @app.get("/schema", tags=["lineage"])
    @app.get("/lineage/schema", tags=["lineage"])
    def pipeline_schema(
        pipeline: Annotated[str, Query(max_length=256)],
        region: Annotated[str | None, Query(max_length=64)] = None,
        include_featurestore: bool = True,
        include_sql: bool = True,
        scan_if_missing: bool = False,
        timeout_s: Annotated[float, Query(ge=3.0, le=120.0)] = 15.0,
        account: Account = None,
    ) -> dict[str, Any]:
        """A pipeline's schema layer `{"tables","columns","featureGroups","features",
        "warnings"}` from its lineage document. Nothing is scanned here (`scan_if_missing`
        adds a warning saying so); `timeout_s` is accepted: the API's own bound applies."""
        with connection() as conn:
            layer = schema_layer.schema_layer(
                conn,
                pipeline,
                region,
                account=account,
                include_featurestore=include_featurestore,
                include_sql=include_sql,
            )
        if scan_if_missing:
            layer["warnings"].append("scan_if_missing: " + SCAN_JOB)
        return layer

    @app.get("/api/v2/scan/cross-check/report", tags=["retention"])
    def cross_check_report() -> dict[str, Any]:
        """The loaded retention reports summarised as the original's cross-check report (id
        samples are salted hashes: raw ids are never stored)."""
        with connection() as conn:
            return retention_report.cross_check_report(conn)

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

    @app.post("/datasets/schema/scan", tags=["datasets"], status_code=501, deprecated=True)
    def schema_scan() -> JSONResponse:
        """The original's on-demand scan: this API only reads. Always 501."""
        return error_response(501, SCAN_JOB, "ReadOnly")

    @app.post("/api/v2/scan/rds-auto", tags=["retention"], status_code=501, deprecated=True)
    @app.post("/api/v2/scan/cross-check", tags=["retention"], status_code=501, deprecated=True)
    def collector_proxy() -> JSONResponse:
        """The original's proxies to external collectors: not carried over. Always 501."""
        return error_response(501, RETENTION_REPORTS, "ReadOnly")

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
