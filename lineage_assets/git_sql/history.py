"""Provenance from one walk of the history: the commit that last changed each file, as
`git log -1 -- <path>` would name it, and the commits that deleted files.

The walk follows git's default history simplification per path: a merge that kept a file as
one parent had it is not a change, so the walk goes down that parent (the first such); a merge
that matches no parent (a conflict resolved by hand) is the change. Shallow boundaries count
as roots. Two git processes serve the whole walk, however many files and merges there are.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO

CHUNK = 1 << 16
_COMMIT_HEADER = re.compile(rb"\x01[0-9a-f]{40}(?:[0-9a-f]{24})?")
DIFF_TREE_OPTIONS = (
    "--stdin",
    "-r",
    "--root",
    "--always",
    "--no-renames",
    "--raw",
    "--no-abbrev",
    "-z",
)
DELETIONS = ("log", "--no-renames", "--diff-filter=D", "--name-only", "-z", "--format=%x01%H")


@dataclass(frozen=True)
class Change:
    """The last commit that touched a file: provenance for every statement in it."""

    commit_sha: str
    author: str
    time: datetime


@dataclass(frozen=True)
class Commit:
    """One commit of the walk, with the parents git sees (none at a root or shallow boundary)."""

    sha: str
    parents: tuple[str, ...]
    author: str
    time: datetime

    def change(self) -> Change:
        return Change(self.sha, self.author, self.time)


def decode_path(raw: bytes) -> str:
    """A path as git stores it (bytes) as text; undecodable bytes become U+FFFD."""
    return raw.decode("utf-8", "replace")


def tokens(stream: IO[bytes]) -> Iterator[bytes]:
    """NUL-separated tokens of a `-z` output, read in bounded chunks."""
    rest = b""
    while chunk := stream.read(CHUNK):
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def read_commits(git: Sequence[str], head: str) -> list[Commit]:
    """Every commit reachable from `head`, children before parents (`--topo-order`)."""
    out = subprocess.run(
        [*git, "log", "--topo-order", "-z", "--format=%H%x00%P%x00%an%x00%aI", head],
        capture_output=True,
        check=True,
    ).stdout
    fields = out.split(b"\0")
    commits = []
    for start in range(0, len(fields) - 3, 4):
        sha, parents, author, when = fields[start : start + 4]
        commits.append(
            Commit(
                sha.strip().decode("ascii"),
                tuple(parents.decode("ascii").split()),
                author.decode("utf-8", "replace"),
                datetime.fromisoformat(when.decode("ascii")),
            )
        )
    return commits


def _diff_requests(commits: Iterable[Commit]) -> Iterator[bytes]:
    """One `diff-tree --stdin` line per (commit, parent) pair; a root against nothing."""
    for commit in commits:
        for parent in commit.parents or ("",):
            yield f"{commit.sha} {parent}".rstrip().encode() + b"\n"


def _feed(stdin: IO[bytes], lines: Iterable[bytes]) -> None:
    """Write the requests; a reader that stopped early closes the pipe, which ends this."""
    try:
        stdin.write(b"".join(lines))
        stdin.close()
    except (BrokenPipeError, ValueError, OSError):
        return


def changed_paths(git: Sequence[str], commits: list[Commit]) -> Generator[set[str], None, None]:
    """The paths each (commit, parent) pair changes, in the order of `_diff_requests`.

    `--always` prints a header even for an empty diff, so answers match requests one to one.
    """
    process = subprocess.Popen(
        [*git, "diff-tree", *DIFF_TREE_OPTIONS],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None
    writer = threading.Thread(
        target=_feed, args=(process.stdin, _diff_requests(commits)), daemon=True
    )
    writer.start()
    try:
        current: set[str] | None = None
        stream = tokens(process.stdout)
        for token in stream:
            if token.lstrip(b"\n").startswith(b":"):
                path = next(stream, b"")
                if current is not None:
                    current.add(decode_path(path))
            else:  # a header: the next pair begins
                if current is not None:
                    yield current
                current = set()
        if current is not None:
            yield current
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
        writer.join(timeout=5)


def last_changes(git: Sequence[str], head: str, paths: Iterable[str]) -> dict[str, Change]:
    """The commit that last changed each path (git's simplified history), in one walk.

    Paths travel down the history as sets: at each commit the set loses the paths the commit
    changed (they are found) and the rest moves on to the first parent that has them as they
    are, so the work per commit is the size of its diff, not the number of paths.
    """
    wanted = set(paths)
    if not wanted:
        return {}
    commits = read_commits(git, head)
    pending: dict[str, set[str]] = {head: wanted}
    found: dict[str, Change] = {}
    diffs = changed_paths(git, commits)
    for commit in commits:
        sections = [next(diffs, set()) for _ in commit.parents or ("",)]
        here = pending.pop(commit.sha, None)
        if here:
            _walk_commit(commit, here, sections, pending, found)
        if not pending:
            break
    diffs.close()
    return found


def _walk_commit(
    commit: Commit,
    here: set[str],
    sections: list[set[str]],
    pending: dict[str, set[str]],
    found: dict[str, Change],
) -> None:
    """Settle the paths that reached `commit`: found here, or passed to a treesame parent."""
    if not commit.parents:  # a root (or shallow boundary) adds what it has
        found.update(dict.fromkeys(here & sections[0], commit.change()))
        return
    for parent, changed in zip(commit.parents, sections, strict=False):
        differing = (
            here & changed if len(here) > len(changed) else {p for p in here if p in changed}
        )
        here.difference_update(differing)
        _join(pending, parent, here)
        here = differing
        if not here:
            return
    found.update(dict.fromkeys(here, commit.change()))  # no parent has them: changed here


def _join(pending: dict[str, set[str]], commit: str, paths: set[str]) -> None:
    """Add `paths` to those pending at `commit`, merging the smaller set into the larger."""
    if not paths:
        return
    present = pending.get(commit)
    if present is None:
        pending[commit] = paths
    elif len(present) >= len(paths):
        present |= paths
    else:
        paths |= present
        pending[commit] = paths


def deleting_commits(
    git: Sequence[str], since: str | None, head: str, paths: Iterable[str]
) -> dict[str, str]:
    """For each path, the newest commit in `since..head` that deleted it (one walk)."""
    wanted = set(paths)
    if since is None or not wanted:
        return {}
    result = subprocess.run(
        [*git, *DELETIONS, f"{since}..{head}"],
        capture_output=True,
    )
    if result.returncode != 0:
        return {}
    found: dict[str, str] = {}
    commit = None
    for token in result.stdout.split(b"\0"):
        if _COMMIT_HEADER.fullmatch(token):
            commit = token[1:].decode("ascii")
            continue
        path = decode_path(token.removeprefix(b"\n"))
        if commit and path in wanted and path not in found:
            found[path] = commit
    return found
