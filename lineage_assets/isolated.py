"""Run one call in a warm worker process that is killed when it runs too long or allocates too
much: for work whose loops cannot be interrupted from outside, such as sqlglot parsing untrusted
SQL (a chain of JOINs without ON doubles the parse time per JOIN).

Workers are fresh interpreters (`python -m lineage_assets.isolated`), not forks, so they inherit
no lock held by the caller's threads (DuckDB's, the web server's) and never re-run the caller's
main module. Each imports `PRELOAD` once, caps its own address space, and serves calls one at a
time over its standard input and output; a worker that timed out or ran out of memory is killed
and a new one started in the background.
"""

from __future__ import annotations

import atexit
import os
import pickle
import resource
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import import_module
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# What isolated calls run, imported by each worker before it says it is ready.
PRELOAD = ("lineage_assets.sql",)
MAX_WORKERS = 2  # calls running at once per process (the machine's cores); others wait
START_TIMEOUT_S = 60.0  # a worker's interpreter start and imports, on a loaded machine
_READY = "ready"
# The only variables a worker sees: parsing needs no credentials, tokens or AWS settings.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])


class IsolationError(Exception):
    """The call did not complete within its bounds; the message is one line for the user."""


class CallTimedOut(IsolationError):
    """The call ran past its time bound and its worker was killed."""


class CallOutOfMemory(IsolationError):
    """The call allocated past its memory bound; its worker was replaced."""


class IsolationBusy(IsolationError):
    """Every worker stayed busy for the whole time bound."""


class _Worker:
    """One worker process and the two ends of its pipes."""

    def __init__(self, memory_bytes: int) -> None:
        env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
        env["PYTHONPATH"] = os.pathsep.join(
            part for part in (_PACKAGE_ROOT, env.get("PYTHONPATH", "")) if part
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lineage_assets.isolated", str(memory_bytes), *PRELOAD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.requests = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.answers = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        self.ready = False

    def wait_ready(self) -> None:
        """Block until the worker has imported `PRELOAD` (IsolationError if it cannot)."""
        if self.ready:
            return
        if not self.answers.poll(START_TIMEOUT_S):
            self.kill()
            raise IsolationError(f"worker not ready after {START_TIMEOUT_S:g} s")
        try:
            greeting = self.answers.recv()
        except (EOFError, OSError):
            greeting = None
        if greeting != _READY:
            self.kill()
            raise IsolationError(f"worker failed to start ({_ended(self.process.poll())})")
        self.ready = True

    def kill(self) -> None:
        """End the process now and release its pipes."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.requests.close()
        self.answers.close()


class WorkerPool:
    """At most `size` workers, each capped at `memory_bytes` of allocation beyond its imports.

    `call` takes an idle worker (or starts one), waits at most `timeout_s` for the answer, and
    kills the worker when it does not come; callers beyond `size` wait for a free worker.
    """

    def __init__(self, size: int, memory_bytes: int) -> None:
        self.size = size
        self.memory_bytes = memory_bytes
        self._slots = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._closed = False

    def warm(self) -> None:
        """Start the workers in the background, so the first calls find them ready."""
        threading.Thread(target=self._fill, name="isolated-warm", daemon=True).start()

    def _fill(self) -> None:
        with self._lock:
            missing = 0 if self._closed else self.size - len(self._idle)
        for _ in range(missing):
            worker = _Worker(self.memory_bytes)
            try:
                worker.wait_ready()
            except IsolationError:
                return
            self._release(worker)

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < self.size:
                self._idle.append(worker)
                return
        worker.kill()

    def _take(self) -> _Worker:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None or worker.process.poll() is not None:
            if worker is not None:
                worker.kill()
            worker = _Worker(self.memory_bytes)
        worker.wait_ready()
        return worker

    def call(self, func: Callable[..., T], *args: Any, timeout_s: float, what: str = "call") -> T:
        """`func(*args)` in a worker (`func` importable by name, arguments and result
        picklable). Raises `CallTimedOut`, `CallOutOfMemory`, `IsolationBusy`, or
        `IsolationError` for an exception inside the call or a worker that died."""
        if not self._slots.acquire(timeout=timeout_s):
            raise IsolationBusy(f"{what} refused: {self.size} already running; retry later")
        try:
            worker = self._take()
            try:
                kind, value = self._exchange(worker, func, args, timeout_s, what)
            except BaseException:
                worker.kill()
                self.warm()
                raise
            if kind == "memory":
                worker.kill()
                self.warm()
                raise CallOutOfMemory(
                    f"{what} ran out of memory (bound {self.memory_bytes >> 20} MiB)"
                )
            self._release(worker)
        finally:
            self._slots.release()
        if kind == "error":
            raise IsolationError(f"{what} failed: {value}")
        return value

    @staticmethod
    def _exchange(
        worker: _Worker,
        func: Callable[..., Any],
        args: tuple[Any, ...],
        timeout_s: float,
        what: str,
    ) -> tuple[str, Any]:
        try:
            worker.requests.send((func, args))
            if not worker.answers.poll(timeout_s):
                raise CallTimedOut(f"{what} interrupted after {timeout_s:g} s")
            answer: tuple[str, Any] = worker.answers.recv()
        except (EOFError, OSError):
            worker.process.wait(5)
            code = worker.process.poll()
            if code in (-6, -9):  # an allocation past RLIMIT_AS that native code could not survive
                return "memory", _ended(code)
            raise IsolationError(f"{what} failed: its worker ended ({_ended(code)})") from None
        return answer

    def close(self) -> None:
        """Stop every idle worker (busy ones are stopped when their call returns)."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


_pools: dict[int, WorkerPool] = {}
_pools_lock = threading.Lock()


def shared_pool(memory_bytes: int) -> WorkerPool:
    """This process's pool of `MAX_WORKERS` workers with that memory bound (the API's requests
    and the CLI share it), stopped when the process exits."""
    with _pools_lock:
        if memory_bytes not in _pools:
            if not _pools:
                atexit.register(_close_pools)
            _pools[memory_bytes] = WorkerPool(MAX_WORKERS, memory_bytes)
        return _pools[memory_bytes]


def _close_pools() -> None:
    for pool in list(_pools.values()):
        pool.close()


def _ended(code: int | None) -> str:
    """How a worker ended, for a message."""
    if code is None:
        return "still running"
    if code < 0:
        return f"signal {-code}, likely out of memory" if -code in (6, 9, 11) else f"signal {-code}"
    return f"exit {code}"


def _address_space() -> int:
    """This process's virtual memory size in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def address_space_cap(extra_bytes: int) -> Iterator[None]:
    """Allocations past `extra_bytes` beyond what the process holds now fail (MemoryError in
    Python, an out-of-memory error in DuckDB) until the block ends; a stricter cap stays."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + extra_bytes
    for current in (soft, hard):
        if current != resource.RLIM_INFINITY:
            limit = min(limit, current)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _outcome(func: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
    """What a call gives the caller: its value, "memory", or its exception as one line."""
    try:
        return ("ok", func(*args))
    except MemoryError:
        return ("memory", None)
    except Exception as error:  # the caller gets one line, never a worker traceback
        lines = f"{type(error).__name__}: {error}".splitlines()
        return ("error", lines[0][:500] if lines else type(error).__name__)


def serve(memory_bytes: int, modules: list[str]) -> None:
    """The worker's loop: import, cap memory, say ready, answer calls until standard input ends.
    Anything the calls print goes to standard error, never into the answers."""
    requests = Connection(os.dup(0), writable=False)
    answers = Connection(os.dup(1), readable=False)
    os.dup2(2, 1)
    for module in modules:
        import_module(module)
    with address_space_cap(memory_bytes):
        answers.send(_READY)
        _answer_calls(requests, answers)


def _answer_calls(requests: Connection, answers: Connection) -> None:
    """Answer calls one at a time until standard input ends or a call runs out of memory."""
    while True:
        try:
            func, args = requests.recv()
        except (EOFError, OSError):
            return
        except Exception as error:  # a function this worker cannot import
            answers.send(("error", f"{type(error).__name__}: {error}"[:500]))
            continue
        outcome = _outcome(func, args)
        try:
            answers.send(outcome)
        except MemoryError:
            outcome = ("memory", None)
            answers.send(outcome)
        except (pickle.PicklingError, TypeError) as error:
            answers.send(("error", f"unpicklable result: {error}"[:500]))
        if outcome[0] == "memory":
            return  # the heap may be fragmented past use; the pool starts a new worker


if __name__ == "__main__":
    serve(int(sys.argv[1]), sys.argv[2:])
