"""The emulator process: a moto server on 127.0.0.1, extended and seeded, with a small CLI.

`EmulatorServer` is used in-process by the tests; `main()` is `python -m lineage_dev emulator` and
`python -m lineage_dev.emulator`: it publishes the endpoint in a JSON file and serves until
SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import FrameType, TracebackType

from moto.server import ThreadedMotoServer

from lineage_assets.config import lineage_home
from lineage_dev.emulator import athena as athena_ext
from lineage_dev.emulator import dispatch, faults, moto_ext
from lineage_dev.emulator.calls import CallLog
from lineage_dev.emulator.definitions import REGIONS
from lineage_dev.emulator.latency import Delayed, checked, latency_from_env
from lineage_dev.emulator.seed import LARGE_PARQUET_ROWS, SeededAccount, seed_account

HOST = "127.0.0.1"


def port_is_free(host: str, port: int) -> bool:
    """Whether `port` can be bound on `host` (with SO_REUSEADDR, as werkzeug binds)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def usable_port(host: str, port: int) -> int:
    """`port` when free, else 0 (the OS picks): ThreadedMotoServer.start() hangs on a busy port."""
    return port if port == 0 or port_is_free(host, port) else 0


class EmulatorServer:
    """moto's ThreadedMotoServer on 127.0.0.1 with moto_ext installed and, optionally, seeded."""

    def __init__(
        self,
        port: int = 0,
        *,
        seed: bool = True,
        large_parquet_rows: int = LARGE_PARQUET_ROWS,
        quiet: bool = True,
        latency_ms: float | None = None,
    ) -> None:
        self.requested_port = port
        self._latency_ms = latency_from_env() if latency_ms is None else checked(latency_ms)
        self._delayed: Delayed | None = None
        self._calls: CallLog | None = None
        self.seed = seed
        self.large_parquet_rows = large_parquet_rows
        self.quiet = quiet
        self.account: SeededAccount | None = None
        self._server: ThreadedMotoServer | None = None
        self._port = 0

    @property
    def port(self) -> int:
        """The bound port (after start)."""
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        return self._port

    @property
    def latency_ms(self) -> float:
        """Milliseconds every call waits before it is answered (0: none)."""
        return self._latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self._latency_ms = checked(value)
        if self._delayed is not None:
            self._delayed.latency_ms = self._latency_ms

    @property
    def endpoint_url(self) -> str:
        """http://127.0.0.1:<port>, the value for AWS_ENDPOINT_URL."""
        return f"http://{HOST}:{self.port}"

    def start(self) -> EmulatorServer:
        """Install the extension, bind (falling back to a free port), then seed if asked."""
        if self._server is not None:
            return self
        moto_ext.install()
        athena_ext.install()
        faults.install()
        dispatch.install()
        if self.quiet:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = ThreadedMotoServer(
            ip_address=HOST, port=usable_port(HOST, self.requested_port), verbose=False
        )
        server.start()
        self._server, self._port = server, server.get_host_and_port()[1]
        wsgi = server._server
        if wsgi is not None:
            dispatch.remember_backends(wsgi.app)
            self._delayed = Delayed(wsgi.app, self._latency_ms)
            self._calls = CallLog(self._delayed)
            wsgi.app = self._calls
        try:
            if self.seed:
                self.account = seed_account(
                    self.endpoint_url, large_parquet_rows=self.large_parquet_rows
                )
        except BaseException:
            self.stop()
            raise
        return self

    @contextlib.contextmanager
    def counting_calls(self) -> Iterator[Counter[str]]:
        """The calls answered while the block runs, by `service:Operation` (e.g.
        `sts:AssumeRole`), from any client in any process."""
        if self._calls is None:
            raise RuntimeError("the emulator is not running")
        with self._calls.counting() as counter:
            yield counter

    def stop(self) -> None:
        """Shut the server down and join its thread (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def default_endpoint_file() -> Path:
    """$LINEAGE_HOME/emulator.json."""
    return lineage_home() / "emulator.json"


def write_endpoint_file(path: Path, payload: dict[str, object]) -> None:
    """Write the JSON atomically (temp file + os.replace) so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(payload, indent=2) + "\n")
    os.replace(temporary, path)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options of the emulator."""
    parser = argparse.ArgumentParser(
        prog="python -m lineage_dev emulator",
        description="Local AWS emulator (moto) seeded with SageMaker pipelines and S3 datasets.",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port on 127.0.0.1 (0 or busy: a free one)"
    )
    parser.add_argument(
        "--endpoint-file",
        type=Path,
        default=None,
        help="where to write {endpoint_url, pid, regions} (default: $LINEAGE_HOME/emulator.json)",
    )
    parser.add_argument(
        "--large-parquet-rows",
        type=int,
        default=LARGE_PARQUET_ROWS,
        help="rows of the large orders Parquet object",
    )
    parser.add_argument("--no-seed", action="store_true", help="start empty")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=None,
        help="milliseconds every call waits before it is answered, as on real AWS "
        "(default $LINEAGE_EMULATOR_LATENCY_MS or 0)",
    )
    return parser.parse_args(argv)


@contextlib.contextmanager
def stop_signals(event: threading.Event) -> Iterator[None]:
    """Set `event` on SIGINT/SIGTERM while inside; restore the previous handlers afterwards."""

    def handler(signum: int, frame: FrameType | None) -> None:
        """Ask the main loop to stop."""
        event.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def main(argv: list[str] | None = None) -> int:
    """Start, seed, publish the endpoint file, serve until SIGINT/SIGTERM, then clean up."""
    args = parse_args(argv)
    endpoint_file = (args.endpoint_file or default_endpoint_file()).resolve()
    stop = threading.Event()
    with stop_signals(stop):
        emulator = EmulatorServer(
            args.port,
            seed=not args.no_seed,
            large_parquet_rows=args.large_parquet_rows,
            latency_ms=args.latency_ms,
        )
        with emulator:
            payload = {
                "endpoint_url": emulator.endpoint_url,
                "pid": os.getpid(),
                "regions": list(REGIONS),
            }
            write_endpoint_file(endpoint_file, payload)
            if args.port and emulator.port != args.port:
                print(f"port {args.port} is busy; using {emulator.port}", file=sys.stderr)
            try:
                print(f"AWS emulator listening on {emulator.endpoint_url}", flush=True)
                print(f"endpoint file: {endpoint_file}", flush=True)
                stop.wait()
            finally:
                endpoint_file.unlink(missing_ok=True)
    print("AWS emulator stopped", file=sys.stderr, flush=True)
    return 0
