"""Templates render in a separate, limited process: a model that loops forever or allocates
without end costs that model (an error naming it), never the sync.

The worker is a fresh interpreter started with an empty environment (no token or key can
reach it), a memory cap (RLIMIT_AS), no file writes (RLIMIT_FSIZE) and no children
(RLIMIT_NPROC). It speaks length-prefixed JSON on its pipes. Each request has a deadline after
which the worker is killed and restarted for the next file.
"""

from __future__ import annotations

import json
import resource
import select
import struct
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from lineage_assets.git_sql.dbt.records import (
    NodeRequest,
    RenderBundle,
    RenderedNode,
    bundle_from_json,
    bundle_to_json,
    node_from_json,
    request_from_json,
)

START_SECONDS = 60.0
RECURSION_LIMIT = 4000  # room for the macro depth bound, far below the C stack
MAX_ANSWER_BYTES = 64 * 1024 * 1024
HEADER = struct.Struct(">Q")
PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])
BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from lineage_assets.git_sql.dbt.worker import serve; serve()"
)


class WorkerGone(Exception):
    """The worker ended or broke its protocol."""


def _write(stream: IO[bytes], payload: Any) -> None:
    data = json.dumps(payload, default=str).encode()
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream: IO[bytes], size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = stream.read(remaining)
        if not chunk:
            raise WorkerGone("pipe closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read(stream: IO[bytes]) -> Any:
    (size,) = HEADER.unpack(_read_exact(stream, HEADER.size))
    if size > MAX_ANSWER_BYTES:
        raise WorkerGone(f"answer of {size} bytes")
    return json.loads(_read_exact(stream, size))


def _limit_process(memory_bytes: int) -> None:
    """Bounds set inside the worker before any template is read."""
    for limit, value in (
        (resource.RLIMIT_AS, memory_bytes),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_NPROC, 0),
        (resource.RLIMIT_CORE, 0),
    ):
        try:
            _, hard = resource.getrlimit(limit)
            capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(limit, (capped, hard))
        except (ValueError, OSError):  # a platform without the limit keeps the others
            continue


def serve() -> None:
    """Worker main loop: load the project's macros once, then answer render requests."""
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but protocol frames on the pipe
    bundle = bundle_from_json(_read(source))
    _limit_process(bundle.limits.memory_bytes)
    sys.setrecursionlimit(RECURSION_LIMIT)
    from lineage_assets.git_sql.dbt.render import ProjectRenderer

    try:
        renderer = ProjectRenderer(bundle)
        _write(sink, ["ready", renderer.load_warnings])
    except BaseException as error:
        _write(sink, ["failed", f"{type(error).__name__}: {str(error)[:500]}"])
        return
    while True:
        try:
            request = _read(source)
        except WorkerGone:
            return
        if request is None:
            return
        try:
            nodes = renderer.render_request(request_from_json(request))
            answer: Any = ["ok", [asdict(n) for n in nodes]]
        except BaseException as error:
            answer = ["error", f"{type(error).__name__}: {str(error)[:500]}"]
        try:
            _write(sink, answer)
        except (TypeError, ValueError, MemoryError) as error:
            _write(sink, ["error", f"result not transferable: {type(error).__name__}"])


class RenderWorker:
    """A sandboxed render process for one project, restarted after a timeout or a crash."""

    def __init__(self, bundle: RenderBundle) -> None:
        self.bundle = bundle
        self.load_warnings: list[str] = []
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RenderWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        process = subprocess.Popen(
            [sys.executable, "-I", "-c", BOOT, PACKAGE_ROOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={},
            cwd="/",
            close_fds=True,
        )
        self._process = process
        assert process.stdin is not None and process.stdout is not None
        try:
            _write(process.stdin, bundle_to_json(self.bundle))
            status, detail = self._answer(START_SECONDS)
        except (WorkerGone, OSError, TimeoutError) as error:
            self._stop()
            raise RuntimeError(f"dbt render worker did not start: {error}") from None
        if status != "ready":
            self._stop()
            raise RuntimeError(f"dbt macros could not be loaded: {detail}")
        self.load_warnings = [str(w) for w in detail]

    def _answer(self, timeout: float) -> Any:
        assert self._process is not None and self._process.stdout is not None
        ready, _, _ = select.select([self._process.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError
        return _read(self._process.stdout)

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.kill()
        process.wait(5)
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        """Ask the worker to end, then make sure it has."""
        if self._process is not None and self._process.stdin is not None:
            try:
                _write(self._process.stdin, None)
                self._process.wait(2)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._stop()

    def render(self, request: NodeRequest) -> list[RenderedNode]:
        """The file's rendered nodes, or one failed node saying why (timeout, crash, memory)."""
        if self._process is None or self._process.poll() is not None:
            self._stop()
            self._start()
        assert self._process is not None and self._process.stdin is not None
        timeout = self.bundle.limits.timeout_seconds
        try:
            _write(self._process.stdin, asdict(request))
            status, payload = self._answer(timeout)
        except TimeoutError:
            self._stop()
            return [failed_node(request, f"render took over {timeout:g}s")]
        except (WorkerGone, OSError, ValueError):
            self._stop()
            return [failed_node(request, "render process ended (memory or resource limit)")]
        if status != "ok":
            return [failed_node(request, str(payload))]
        try:
            return [node_from_json(n) for n in payload]
        except (TypeError, ValueError, KeyError) as error:
            return [failed_node(request, f"render answer unreadable: {error}")]


def failed_node(request: NodeRequest, message: str) -> RenderedNode:
    """A node that could not be rendered: kept with its name and the reason."""
    return RenderedNode(
        path=request.path,
        package=request.package,
        resource_type=request.resource_type,
        name=request.name,
        fqn=request.fqn,
        sql="",
        refs=(),
        sources=(),
        config=dict(request.base_config),
        database="",
        schema="",
        alias="",
        error=message,
        error_line=1,
        version=request.version,
    )
