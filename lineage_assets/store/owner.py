"""Which process owns a crawl run, and whether that process still exists: a run whose owner
is gone (killed mid-write, the machine rebooted) can never finish, so the next run closes it.

A process is named by host, boot id, pid and its start time since boot (Linux `/proc`), so a
reused pid or a reboot is not mistaken for the owner still running.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")


def _read(path: Path) -> str | None:
    """A small /proc file's text, or None where there is no /proc."""
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (state first), or None."""
    text = _read(_PROC / str(pid) / "stat")
    if text is None or ")" not in text:
        return None
    return text.rsplit(")", 1)[1].split()


def boot_id() -> str | None:
    """This boot of this machine (Linux), or None."""
    return _read(_PROC / "sys" / "kernel" / "random" / "boot_id")


def start_ticks(pid: int) -> str | None:
    """When a process started, in clock ticks since boot (field 22 of /proc/<pid>/stat)."""
    fields = _stat_fields(pid)
    return fields[19] if fields and len(fields) > 19 else None


def pid_exists(pid: int) -> bool:
    """Whether a process with this pid runs (a zombie, killed but not yet reaped, does not)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    fields = _stat_fields(pid)
    return not (fields and fields[0] in ("Z", "X"))


@dataclass(frozen=True)
class ProcessIdentity:
    """One process, named so that a reused pid or a reboot does not pass for it."""

    host: str
    pid: int
    boot_id: str | None = None
    started: str | None = None

    @classmethod
    def current(cls) -> ProcessIdentity:
        """This process."""
        pid = os.getpid()
        return cls(socket.gethostname(), pid, boot_id(), start_ticks(pid))

    def is_alive(self) -> bool | None:
        """True or False on this host; None when the process ran on another host."""
        if self.host != socket.gethostname():
            return None
        here = boot_id()
        if self.boot_id and here and self.boot_id != here:
            return False
        if not pid_exists(self.pid):
            return False
        return not (self.started and self.started != start_ticks(self.pid))
