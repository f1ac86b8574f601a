"""The store on DuckLake: a PostgreSQL catalog and Parquet data files on S3 or a shared folder,
chosen by `LINEAGE_STORE_URL` (unset: the embedded DuckDB file under `LINEAGE_HOME`).

A connection is an in-memory DuckDB with the lake attached as `lake` and made the default
catalog, so the store's SQL runs unchanged. The extensions come from their wheels, the
PostgreSQL scanner before ATTACH (else ATTACH looks in ~/.duckdb or downloads). Passwords are
never part of the URL: libpq reads `PGPASSWORD` or `~/.pgpass` itself; errors are redacted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import duckdb

from lineage_assets import config
from lineage_assets.redact import redact
from lineage_assets.store.errors import StoreError, StoreNotPublishedError
from lineage_assets.store.extensions import load_extension
from lineage_assets.store.sqltext import literal, quote

URL_PREFIX = "ducklake:postgres:"
ALIAS = "lake"
# The libpq keywords that carry a secret; given here they would travel in every ATTACH text.
_SECRET_KEYWORDS = re.compile(r"(?:^|\s)(password|passfile|sslpassword)\s*=", re.IGNORECASE)
_URI = re.compile(r"^postgres(?:ql)?://", re.IGNORECASE)
_REMOTE_DATA = re.compile(r"^(s3|s3a|gcs|gs|r2|https?)://", re.IGNORECASE)
# Rows up to this count are kept in the catalog (no Parquet file per small source write);
# maintenance flushes them to files.
INLINING_ROW_LIMIT = 1000
_MISSING_SNAPSHOT = ("No snapshot found", "snapshot")

AsOf = int | datetime


@dataclass(frozen=True)
class LakeLocation:
    """Where the lake is: its PostgreSQL catalog (a libpq conninfo without password) and the
    folder or bucket prefix of its data files (needed to create it; the catalog remembers)."""

    catalog: str
    data_path: str | None = None

    @property
    def url(self) -> str:
        """The store URL as configured (it holds no password)."""
        return URL_PREFIX + self.catalog

    @property
    def public(self) -> str:
        """The URL for messages and metadata, with any credentials stripped."""
        return redact(self.url, _secrets())

    @property
    def remote_data(self) -> bool:
        """Whether the data files live behind a URL (S3 and the like) rather than a folder."""
        return bool(self.data_path and _REMOTE_DATA.match(self.data_path))


def _secrets() -> list[str | None]:
    """The secrets a message could carry: the PostgreSQL password from the environment."""
    return [os.environ.get("PGPASSWORD")]


def parse_store_url(url: str, data_path: str | None = None) -> LakeLocation | None:
    """The lake named by a store URL, or None for the embedded file (an empty URL).

    Refuses a URL holding a password: it belongs in `PGPASSWORD` or `~/.pgpass`, never in a
    setting that is printed, logged and kept in Dagster's run config.
    """
    url = url.strip()
    if not url:
        return None
    if not url.startswith(URL_PREFIX):
        raise config.ConfigError(
            f"LINEAGE_STORE_URL must start with {URL_PREFIX!r} (e.g. "
            f"'{URL_PREFIX}host=db.internal dbname=lineage user=lineage'), or be unset for the "
            "embedded DuckDB file"
        )
    catalog = url[len(URL_PREFIX) :].strip()
    has_secret = bool(_SECRET_KEYWORDS.search(catalog))
    if _URI.match(catalog):
        parts = urlsplit(catalog)
        has_secret = has_secret or parts.password is not None or "password" in parts.query.lower()
    if has_secret:
        raise config.ConfigError(
            "LINEAGE_STORE_URL holds a password: give it as PGPASSWORD or in ~/.pgpass "
            "(the URL is shown in logs and run metadata)"
        )
    return LakeLocation(catalog, (data_path or "").strip() or None)


def configured() -> LakeLocation | None:
    """The lake named by `LINEAGE_STORE_URL` and `LINEAGE_STORE_DATA_PATH`, or None."""
    return parse_store_url(
        config.env("LINEAGE_STORE_URL", ""), config.env("LINEAGE_STORE_DATA_PATH", "")
    )


def attach_statement(location: LakeLocation, *, read_only: bool, as_of: AsOf | None) -> str:
    """The ATTACH of the lake as `lake` (ATTACH takes no parameters: values are literals)."""
    options = []
    if location.data_path:
        path = location.data_path
        options.append(f"DATA_PATH {literal(path if path.endswith('/') else path + '/')}")
    if read_only:
        options.append("READ_ONLY")
    else:
        options.append(f"DATA_INLINING_ROW_LIMIT {INLINING_ROW_LIMIT}")
    if isinstance(as_of, datetime):
        options.append(f"SNAPSHOT_TIME {literal(as_of.isoformat())}")
    elif as_of is not None:
        options.append(f"SNAPSHOT_VERSION {int(as_of)}")
    return f"ATTACH {literal(location.url)} AS {quote(ALIAS)} ({', '.join(options)})"


def _s3_secret(conn: duckdb.DuckDBPyConnection) -> None:
    """An S3 secret for the data files from boto3's standard chain (and `AWS_ENDPOINT_URL`),
    held in this connection's memory only."""
    import boto3  # only when the data files are on S3

    from lineage_assets import aws

    session = boto3.session.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise StoreError("the lake's data files are on S3 but boto3 found no AWS credentials")
    frozen = credentials.get_frozen_credentials()
    fields = {
        "TYPE": "s3",
        "KEY_ID": frozen.access_key,
        "SECRET": frozen.secret_key,
        "REGION": session.region_name or "us-east-1",
    }
    if frozen.token:
        fields["SESSION_TOKEN"] = frozen.token
    endpoint = aws.s3_endpoint_from_env()
    if endpoint:
        parts = urlsplit(endpoint)
        fields.update(ENDPOINT=parts.netloc, URL_STYLE="path")
        fields["USE_SSL"] = "true" if parts.scheme == "https" else "false"
    body = ", ".join(
        f"{key} {value if key in ('TYPE', 'USE_SSL') else literal(value)}"
        for key, value in fields.items()
    )
    try:
        conn.execute(f"CREATE OR REPLACE TEMPORARY SECRET lineage_lake_s3 ({body})")
    except duckdb.Error as error:
        raise StoreError(
            "cannot configure S3 access for the lake: "
            + redact(str(error), [frozen.secret_key, frozen.token])
        ) from None


def attach(
    conn: duckdb.DuckDBPyConnection,
    location: LakeLocation,
    *,
    read_only: bool,
    as_of: AsOf | None = None,
) -> None:
    """Load the extensions from their wheels, attach the lake as `lake` and make it the
    default catalog; errors name the lake without credentials."""
    load_extension(conn, "postgres_scanner")
    load_extension(conn, "ducklake")
    load_extension(conn, "httpfs")  # the catalog may name S3 data even when we do not
    if location.remote_data:
        _s3_secret(conn)
    try:
        conn.execute(attach_statement(location, read_only=read_only, as_of=as_of))
    except duckdb.Error as error:
        message = redact(str(error), _secrets())
        if as_of is not None and any(marker in message for marker in _MISSING_SNAPSHOT):
            raise StoreNotPublishedError(
                f"the lake {location.public} has no snapshot at {as_of} (expired or not yet "
                f"written): {message}"
            ) from None
        raise StoreError(f"cannot attach the lake {location.public}: {message}") from None
    conn.execute(f"USE {quote(ALIAS)}")
    if not location.remote_data and _REMOTE_DATA.match(data_path(conn)):
        _s3_secret(conn)  # a reader that did not name the data path: the catalog's is on S3


def data_path(conn: duckdb.DuckDBPyConnection) -> str:
    """The data path the attached lake's catalog records."""
    rows = conn.execute(f"SELECT data_path FROM ducklake_settings({literal(ALIAS)})").fetchall()  # noqa: S608
    return str(rows[0][0]) if rows else ""


def connect(
    location: LakeLocation, *, read_only: bool, as_of: AsOf | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the lake attached (read-only for readers, optionally at a past
    snapshot)."""
    conn = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
    try:
        attach(conn, location, read_only=read_only, as_of=as_of)
    except BaseException:
        conn.close()
        raise
    return conn


Settings = Mapping[str, str | bool | int | float | list[str]]


def apply_settings(conn: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """SET each setting, in order (settings are ours, never user input)."""
    for name, value in settings.items():
        conn.execute(f"SET {name} = {_setting_literal(value)}")


def _setting_literal(value: str | bool | int | float | list[str]) -> str:
    """A SET statement's value as SQL (settings are ours, never user input)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    return literal(value)


def snapshots(conn: duckdb.DuckDBPyConnection) -> list[tuple[int, datetime]]:
    """The lake's snapshots (id, time), oldest first: what an as-of read may name."""
    rows = conn.execute(
        f"SELECT snapshot_id, snapshot_time FROM ducklake_snapshots({literal(ALIAS)}) "  # noqa: S608
        "ORDER BY snapshot_id"
    ).fetchall()
    return [(int(snapshot), time) for snapshot, time in rows]
