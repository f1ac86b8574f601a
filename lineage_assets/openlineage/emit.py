"""Send the events through the official client, incrementally: a cursor file under the data
folder remembers each sent event's content hash, so an export sends only events that are new
or changed, and the static run ids make a re-sent event the same run in the consumer."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openlineage.client import OpenLineageClient
from openlineage.client.facet_v2 import column_lineage_dataset

from lineage_assets.openlineage.events import KeyedEvent
from lineage_assets.redact import public_url, redact

CURSOR_FILE = "openlineage_cursor.json"
CURSOR_VERSION = 1
MAX_CURSOR_BYTES = 256 * 1024 * 1024
MAX_CONSECUTIVE_FAILURES = 5  # a transport that refuses this many in a row is down: stop
MAX_LISTED_FAILURES = 100
# The client adds the *current* checkout's git remote to runs unless told not to: our runs
# carry their own source locations, and a local remote may hold a token.
CLIENT_DEFAULTS: dict[str, Any] = {"facets": {"source_code_location": {"disabled": True}}}
CONFIG_FILE_NAME = "openlineage.yml"


@dataclass
class ExportReport:
    """What one export built and sent."""

    built: int = 0
    sent: int = 0
    unchanged: int = 0
    failed: list[str] = field(default_factory=list)
    stopped_early: bool = False
    datasets: set[tuple[str, str]] = field(default_factory=set)
    column_edges: int = 0
    by_type: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        return {
            "built": self.built,
            "sent": self.sent,
            "unchanged": self.unchanged,
            "failed": len(self.failed),
            "stopped_early": self.stopped_early,
            "datasets": len(self.datasets),
            "column_edges": self.column_edges,
            "by_type": dict(sorted(self.by_type.items())),
        }


def disabled(environ: Mapping[str, str] | None = None) -> bool:
    """`OPENLINEAGE_DISABLED=true`: the client sends nothing, whatever the transport."""
    environ = os.environ if environ is None else environ
    return environ.get("OPENLINEAGE_DISABLED", "").strip().lower() == "true"


def configured_transport(
    environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> str | None:
    """Where the client's standard configuration would come from, or None when nothing is
    configured (the client would then print every event to the console)."""
    environ = os.environ if environ is None else environ
    if disabled(environ):
        return None
    config = environ.get("OPENLINEAGE_CONFIG", "").strip()
    if config and Path(config).is_file():
        return f"OPENLINEAGE_CONFIG ({config})"
    for folder in (cwd or Path.cwd(), Path("~/.openlineage").expanduser()):
        if (folder / CONFIG_FILE_NAME).is_file():
            return str(folder / CONFIG_FILE_NAME)
    if any(name.startswith("OPENLINEAGE__TRANSPORT") for name in environ):
        return "OPENLINEAGE__TRANSPORT__* variables"
    if environ.get("OPENLINEAGE_URL", "").strip():
        return f"OPENLINEAGE_URL ({public_url(environ['OPENLINEAGE_URL'])})"
    return None


def client_for(to: Path | None = None, url: str | None = None) -> OpenLineageClient:
    """A client writing JSON lines into `to`, posting to `url`, or (neither) configured the
    standard way: `OPENLINEAGE_CONFIG`, `./openlineage.yml`, `OPENLINEAGE__TRANSPORT__*`,
    `OPENLINEAGE_URL`."""
    config = json.loads(json.dumps(CLIENT_DEFAULTS))
    if to is not None:
        to.mkdir(parents=True, exist_ok=True)
        config["transport"] = {
            "type": "file",
            "log_file_path": str(to / "events.jsonl"),
            "append": True,
        }
    elif url is not None:
        config["transport"] = {"type": "http", "url": url}
    return OpenLineageClient(config=config)


def content_hash(event: KeyedEvent) -> str:
    """A digest of the event's attrs repr: unchanged store rows give an unchanged hash (the
    repr is deterministic and 9x cheaper than the client's JSON, which the transport makes)."""
    return hashlib.sha256(repr(event.event).encode()).hexdigest()[:32]


def content_digest(text: str) -> str:
    """A short digest naming a destination (its URL never appears in a file name)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_cursor(path: Path) -> dict[str, str]:
    """Sent events' hashes by key; an unreadable, foreign or oversized cursor is empty (the
    next export sends everything, which the static run ids make harmless)."""
    try:
        if path.stat().st_size > MAX_CURSOR_BYTES:
            return {}
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    events = document.get("events") if isinstance(document, dict) else None
    if document.get("version") != CURSOR_VERSION or not isinstance(events, dict):
        return {}
    return {k: v for k, v in events.items() if isinstance(k, str) and isinstance(v, str)}


def write_cursor(path: Path, events: Mapping[str, str]) -> None:
    """Replace the cursor atomically (a crash leaves the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(
        json.dumps({"version": CURSOR_VERSION, "events": dict(sorted(events.items()))}),
        encoding="utf-8",
    )
    temporary.replace(path)


def _count(report: ExportReport, event: KeyedEvent) -> None:
    document = event.event
    kind = getattr(document, "eventType", None)
    name = kind.value if kind is not None else "JOB"
    report.by_type[name] = report.by_type.get(name, 0) + 1
    for dataset in [*(document.inputs or []), *(document.outputs or [])]:
        report.datasets.add((dataset.namespace, dataset.name))
    for dataset in document.outputs or []:
        lineage = (dataset.facets or {}).get("columnLineage")
        if isinstance(lineage, column_lineage_dataset.ColumnLineageDatasetFacet):
            report.column_edges += sum(len(f.inputFields) for f in lineage.fields.values())
            report.column_edges += len(lineage.dataset or [])


def export(
    events: Iterable[KeyedEvent],
    client: OpenLineageClient,
    cursor_path: Path | None = None,
    full: bool = False,
) -> ExportReport:
    """Send every event whose content changed since the cursor (all of them when `full` or
    without a cursor), record what was sent, and stop after a run of transport failures."""
    previous = {} if cursor_path is None else read_cursor(cursor_path)
    sent: dict[str, str] = dict(previous)
    report = ExportReport()
    consecutive = 0
    try:
        for event in events:
            report.built += 1
            _count(report, event)
            digest = content_hash(event)
            if not full and previous.get(event.key) == digest:
                report.unchanged += 1
                continue
            try:
                client.emit(event.event)
            except Exception as error:  # a transport's own errors vary (HTTP, Kafka, files)
                consecutive += 1
                if len(report.failed) < MAX_LISTED_FAILURES:
                    report.failed.append(
                        f"{event.key}: {type(error).__name__}: {redact(str(error))}"
                    )
                if consecutive >= MAX_CONSECUTIVE_FAILURES:
                    report.stopped_early = True
                    break
                continue
            consecutive = 0
            sent[event.key] = digest
            report.sent += 1
    finally:
        client.close(timeout=30.0)
        if cursor_path is not None:
            write_cursor(cursor_path, sent)
    return report
