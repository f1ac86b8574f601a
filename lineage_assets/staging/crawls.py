"""Staged variants of the crawls: the crawl code unchanged, writing through a `StagingSink` and
reading its incremental state from a read connection (the published copy), so it holds no
writer and runs in parallel with other crawl steps on any host."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from lineage_assets.staging.location import StagingLocation
from lineage_assets.staging.manifest import Manifest
from lineage_assets.staging.sink import StagingSink
from lineage_assets.store.connection import open_published
from lineage_assets.store.memory import empty_store

SAGEMAKER = "sagemaker"
ClientFactory = Callable[[str, str], Any]


@contextmanager
def state_reader(published: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published copy, read-only; before anything was published, an empty store in
    memory (so every pipeline counts as changed and is crawled in full)."""
    if published.exists():
        with open_published(published) as conn:
            yield conn
        return
    with empty_store() as conn:
        yield conn


def stage_sagemaker(
    location: StagingLocation,
    client: ClientFactory,
    account_id: str,
    region: str,
    *,
    reads: duckdb.DuckDBPyConnection,
    producer_run_id: str,
    **options: Any,
) -> tuple[Any, list[Manifest]]:
    """Crawl one account x region of SageMaker into staged batches; returns the crawl's report
    and the batches it committed."""
    from lineage_assets.sagemaker.crawl import crawl_regions

    partition = f"{account_id}:{region}"
    with StagingSink(location, SAGEMAKER, partition, producer_run_id) as sink:
        report = crawl_regions(sink, client, account_id, [region], reads=reads, **options)
    return report, sink.committed
