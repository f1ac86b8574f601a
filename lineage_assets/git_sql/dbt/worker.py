"""Templates render in a separate, limited process: a model that loops forever or allocates
without end costs that model (an error naming it), never the sync.

The worker gets an empty environment, a memory cap (RLIMIT_AS), no file writes (RLIMIT_FSIZE)
and no children (RLIMIT_NPROC); each request has a deadline after which the worker is killed
and restarted for the next file.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import sys
from multiprocessing.connection import Connection
from typing import Any

from lineage_assets.git_sql.dbt.records import NodeRequest, RenderBundle, RenderedNode

START_SECONDS = 60.0
RECURSION_LIMIT = 4000  # room for the macro depth bound, far below the C stack


def _limit_process(memory_bytes: int) -> None:
    """Bounds set inside the worker before any template is read."""
    os.environ.clear()
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


def _serve(connection: Connection, bundle: RenderBundle) -> None:
    """Worker main loop: load the project's macros once, then answer render requests."""
    _limit_process(bundle.limits.memory_bytes)
    sys.setrecursionlimit(RECURSION_LIMIT)
    from lineage_assets.git_sql.dbt.render import ProjectRenderer

    try:
        renderer = ProjectRenderer(bundle)
        connection.send(("ready", renderer.load_warnings))
    except BaseException as error:
        connection.send(("failed", f"{type(error).__name__}: {error}"))
        return
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            answer: Any = ("ok", renderer.render_request(request))
        except BaseException as error:
            answer = ("error", f"{type(error).__name__}: {str(error)[:500]}")
        try:
            connection.send(answer)
        except BaseException as error:
            connection.send(("error", f"result not transferable: {type(error).__name__}"))


class RenderWorker:
    """A sandboxed render process for one project, restarted after a timeout or a crash."""

    def __init__(self, bundle: RenderBundle) -> None:
        self.bundle = bundle
        self.load_warnings: list[str] = []
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None

    def __enter__(self) -> RenderWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child, self.bundle), daemon=True)
        process.start()
        child.close()
        self._process, self._connection = process, parent
        if not parent.poll(START_SECONDS):
            self._stop()
            raise RuntimeError("dbt render worker did not start")
        status, detail = parent.recv()
        if status != "ready":
            self._stop()
            raise RuntimeError(f"dbt macros could not be loaded: {detail}")
        self.load_warnings = list(detail)

    def _stop(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        if self._connection is not None:
            self._connection.close()
        self._process, self._connection = None, None

    def close(self) -> None:
        """Ask the worker to end, then make sure it has."""
        if self._connection is not None and self._process is not None:
            try:
                self._connection.send(None)
                self._process.join(2)
            except (OSError, EOFError, BrokenPipeError):
                pass
        self._stop()

    def render(self, request: NodeRequest) -> list[RenderedNode]:
        """The file's rendered nodes, or one failed node saying why (timeout, crash, memory)."""
        if self._process is None or not self._process.is_alive():
            self._start()
        assert self._connection is not None
        try:
            self._connection.send(request)
            if not self._connection.poll(self.bundle.limits.timeout_seconds):
                self._stop()
                return [
                    _failed(request, f"render took over {self.bundle.limits.timeout_seconds:g}s")
                ]
            status, payload = self._connection.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._stop()
            return [_failed(request, "render process ended (memory or resource limit)")]
        if status != "ok":
            return [_failed(request, str(payload))]
        return list(payload)


def _failed(request: NodeRequest, message: str) -> RenderedNode:
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
    )
