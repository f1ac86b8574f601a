"""Graph snapshots: the global node-level graph built from the edges, and the saving, hashing
and diffing of any scope's snapshot (per-pipeline documents come from the contract), stored
only when they change.

A snapshot is plain JSON; its content hash is over canonical JSON, so the same lineage built
twice is the same snapshot and history only grows when something changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from lineage_assets.core.enums import NodeKind
from lineage_assets.core.ids import column_parts, data_node, key_of, kind_of
from lineage_assets.core.uris import normalize
from lineage_assets.graph import views
from lineage_assets.store import LineageStore, Upsert

GLOBAL_SCOPE = "global"
SLUG_CHARS = 80  # readable part of a snapshot file name; the hash makes it unique
HASH_CHARS = 20  # hex digits of SHA-256 (80 bits) after the slug
TEMPORARY_SUFFIX = ".tmp"  # `.<random>.tmp` beside a snapshot file while it is written


def canonical(document: Any) -> str:
    """JSON with sorted keys and no whitespace: equal content, equal text."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)


def content_hash(document: Any) -> str:
    """SHA-256 of the canonical JSON."""
    return hashlib.sha256(canonical(document).encode()).hexdigest()


def _pii_by_owner(conn: duckdb.DuckDBPyConnection) -> dict[str, dict[str, list[str]]]:
    """owner node → column → PII classes, with data nodes keyed by normalized location."""
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for owner, column, cls in views.pii_tags(conn):
        found[_key(owner)][column_parts(column)[1]].add(cls)
    return {o: {c: sorted(k) for c, k in cols.items()} for o, cols in found.items()}


def _key(node: str) -> str:
    uri = key_of(node, NodeKind.DATA)
    return node if uri is None else data_node(normalize(uri))


def global_graph(conn: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every node and edge above column level, with PII classes and stale sources."""
    edges = views.node_level_edges(conn)
    pii = _pii_by_owner(conn)
    ids = sorted({n for s, t, *_ in edges for n in (s, t)})
    nodes = []
    for node in ids:
        entry: dict[str, Any] = {"id": node, "kind": kind_of(node)}
        classes = sorted({c for cs in pii.get(_key(node), {}).values() for c in cs})
        if classes:
            entry["pii"] = classes
        nodes.append(entry)
    return {
        "nodes": nodes,
        "edges": [
            {"source": s, "target": t, "kind": k, "provenance": p} | ({"stale": True} if x else {})
            for s, t, k, p, x in edges
        ],
        "piiExposure": [
            {"node": n, "kind": k, "exposure": e, "piiClasses": c, "via": v, "approval": a}
            for n, k, e, c, v, a in views.exposure_rows(conn)
        ],
    }


def _edge_set(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Edges of any snapshot shape as (source, target, kind)."""
    if "edges" in document:
        return {(e["source"], e["target"], e["kind"]) for e in document["edges"]}
    data = document.get("graphData", {}).get("edges", [])
    steps = document.get("graphPipeline", {}).get("edges", [])
    return {(e["source"], e["target"], e["kind"]) for e in data} | {
        (e["from"], e["to"], e.get("via") or "") for e in steps
    }


def _node_map(document: dict[str, Any]) -> dict[str, list[str]]:
    """node id → PII classes, for any snapshot shape."""
    nodes = document.get("nodes") or (
        document.get("graphData", {}).get("nodes", [])
        + document.get("graphPipeline", {}).get("nodes", [])
    )
    return {n["id"]: list(n.get("pii") or []) for n in nodes}


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, list]:
    """Nodes and edges added and removed, and nodes whose PII classes changed."""
    before, after = _node_map(old or {}), _node_map(new)
    old_edges, new_edges = _edge_set(old or {}), _edge_set(new)
    return {
        "nodes_added": sorted(set(after) - set(before)),
        "nodes_removed": sorted(set(before) - set(after)),
        "edges_added": sorted(map(list, new_edges - old_edges)),
        "edges_removed": sorted(map(list, old_edges - new_edges)),
        "pii_changed": sorted(
            [n, before[n], after[n]] for n in set(before) & set(after) if before[n] != after[n]
        ),
    }


DIFF_KEYS = ("nodes_added", "nodes_removed", "edges_added", "edges_removed", "pii_changed")


@dataclass(frozen=True)
class SavedSnapshot:
    """The outcome of saving one scope's snapshot: its file always exists afterwards."""

    scope: str
    content_hash: str
    changed: bool
    diff: dict[str, list]
    path: Path


def latest(
    conn: duckdb.DuckDBPyConnection, scope: str, before: datetime | None = None
) -> dict[str, Any] | None:
    """The newest stored snapshot of a scope (optionally as of a time), or None."""
    text = views.latest_snapshot(conn, scope, before)
    return json.loads(text) if text is not None else None


def file_name(scope: str) -> str:
    """The snapshot file of a scope: a readable ASCII slug of at most `SLUG_CHARS` plus a hash
    of the exact scope, so any name (256 characters, `/`, `..`, unicode) gives a short, safe
    name of its own (`a/b` and `a_b` differ). The global scope is plainly `global.json`."""
    if scope == GLOBAL_SCOPE:
        return f"{GLOBAL_SCOPE}.json"
    ascii_text = unicodedata.normalize("NFKD", scope).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9.-]+", "_", ascii_text).strip("._-")[:SLUG_CHARS].rstrip("._-")
    digest = hashlib.sha256(scope.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS]
    return f"{slug or 'scope'}-{digest}.json"


def file_path(folder: Path, scope: str) -> Path:
    """Where a scope's snapshot file lives: directly inside `folder`, never elsewhere."""
    target = folder / file_name(scope)
    if target.parent != folder or target.name in ("", ".", ".."):
        raise ValueError(f"snapshot file name for {scope!r} leaves {folder}")
    return target


def render(text: str) -> bytes:
    """The snapshot file's bytes: the canonical JSON the row holds, one line (`jq .` indents
    it; Python's indenting encoder would cost ten times the hashing)."""
    return text.encode() + b"\n"


def holds(target: Path, content: bytes) -> bool:
    """Whether `target` is a regular file (not a link, a pipe or a device) holding exactly
    `content`; read only when its size already matches."""
    try:
        descriptor = os.open(target, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:  # missing, a symbolic link, unreadable
        return False
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size != len(content):
            return False
        return handle.read(len(content) + 1) == content


def write_file(target: Path, content: bytes) -> bool:
    """Make `target` hold `content`: written to a temporary file beside it, flushed to disk
    and renamed over it, so a crash leaves the old file or the new one, never half of either
    (a link planted at `target` is replaced, never followed). Returns False when the file
    already held exactly these bytes (nothing written)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.parent.is_symlink():
        raise OSError(f"{target.parent} is a symbolic link: snapshots stay in the data folder")
    if holds(target, content):
        return False
    temporary = target.with_name(f".{uuid.uuid4().hex}{TEMPORARY_SUFFIX}")
    try:
        with temporary.open("xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return True


def sweep_temporary(folder: Path) -> int:
    """Remove temporary files a killed build left in `folder` (one writer at a time holds the
    store, so none is in use); returns how many."""
    if not folder.is_dir() or folder.is_symlink():
        return 0
    swept = 0
    for leftover in folder.glob(f".*{TEMPORARY_SUFFIX}"):
        leftover.unlink(missing_ok=True)
        swept += 1
    return swept


def save(
    store: LineageStore, scope: str, document: dict[str, Any], folder: Path, run_id: str | None
) -> SavedSnapshot:
    """Store the snapshot unless its hash equals the scope's latest one: the file first, then
    its row, so a row always has its file; an unchanged snapshot whose file is missing or
    differs (a crash between the two, a deleted file) gets its file rewritten."""
    text = canonical(document)
    digest = hashlib.sha256(text.encode()).hexdigest()
    target = file_path(folder, scope)
    previous = views.latest_snapshot_hash(store.conn, scope)
    write_file(target, render(text))
    if previous and previous[1] == digest:
        return SavedSnapshot(scope, digest, False, {key: [] for key in DIFF_KEYS}, target)
    old = json.loads(views.snapshot_text(store.conn, previous[0])) if previous else None
    store.upsert(
        Upsert(
            "graph_snapshots",
            ("snapshot_id",),
            [
                {
                    "snapshot_id": uuid.uuid4().hex,
                    "run_id": run_id,
                    "scope": scope,
                    "created_at": datetime.now(UTC),
                    "content_hash": digest,
                    "node_count": len(_node_map(document)),
                    "edge_count": len(_edge_set(document)),
                    "snapshot": text,
                }
            ],
        )
    )
    return SavedSnapshot(scope, digest, True, diff(old, document), target)
