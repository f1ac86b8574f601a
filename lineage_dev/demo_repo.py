"""Turn the demo SQL folder into a local bare git remote with a short, fixed history.

The SQL crawler reads SQL from git, so the demo needs a real remote rather than a folder.
`build_demo_remote` writes the files of `source_dir` into a bare repository in two commits
(the Athena tables first, in an earlier form, then everything else), so provenance has real
history to show: one file, `athena/04_customer_features.sql`, has two versions.

Authors, committers, dates and file modes are fixed, so the same files always give the same
commit SHAs. Git configuration of the user or the system is ignored, and no hook runs. The
remote is built in a temporary working clone next to `remote_dir` and moved into place with
two renames: a reader sees the old remote, for an instant none, or the new one, never a
half-built one. Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import git
from git.exc import GitError
from git.index.typ import BaseIndexEntry
from gitdb.base import IStream
from gitdb.exc import ODBError

BRANCH = "main"
"""The branch the remote's HEAD points at."""

CHANGED_FILE = "athena/04_customer_features.sql"
"""The file committed twice: without its `c.phone` column first, then in its final form."""

FILE_MODE = 0o100644
"""Every file is committed as a regular, non-executable file."""

IGNORED_NAMES = frozenset({".git", "__pycache__", ".DS_Store"})
"""Files and folders of `source_dir` never committed (also `*.pyc` files)."""

_HERMETIC_GIT_ENV = {
    # Ignore ~/.gitconfig and /etc/gitconfig (signing, hooks paths, templates, default branch).
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
}


@dataclass(frozen=True)
class _CommitPlan:
    """One commit of the demo history: message, author and the UTC time it carries."""

    message: str
    author_name: str
    author_email: str
    when: datetime


_HISTORY = (
    _CommitPlan(
        "Add raw and curated Athena tables",
        "Mina Park",
        "mina.park@acme.example",
        datetime(2026, 10, 1, 9, 30, tzinfo=UTC),
    ),
    _CommitPlan(
        "Add warehouse models, dbt project and UNLOAD",
        "Jonas Weber",
        "jonas.weber@acme.example",
        datetime(2026, 10, 15, 14, 5, tzinfo=UTC),
    ),
)


@dataclass(frozen=True)
class DemoRemote:
    """A bare git remote of the demo SQL: its path, branch and commit SHAs (oldest first)."""

    path: Path
    branch: str
    commits: tuple[str, ...]
    rebuilt: bool = field(default=False, compare=False)

    @property
    def url(self) -> str:
        """The remote as a `file://` URL."""
        return self.path.as_uri()

    @property
    def head(self) -> str:
        """SHA of the newest commit on the branch."""
        return self.commits[-1]


def build_demo_remote(source_dir: Path, remote_dir: Path) -> DemoRemote:
    """Make `remote_dir` a bare remote whose `main` holds `source_dir`, rebuilding if needed."""
    source_dir = Path(source_dir)
    remote_dir = Path(remote_dir).expanduser().absolute()
    files = source_files(source_dir)

    existing = _existing_commits(remote_dir, files)
    if existing is not None:
        return DemoRemote(remote_dir, BRANCH, existing)
    _check_replaceable(remote_dir)

    remote_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{remote_dir.name}.build-", dir=remote_dir.parent))
    try:
        built = scratch / "remote.git"
        commits = _build(files, work_dir=scratch / "work", bare_dir=built)
        _move_into_place(built, remote_dir, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return DemoRemote(remote_dir, BRANCH, commits, rebuilt=True)


def source_files(source_dir: Path) -> dict[str, bytes]:
    """The committed files of `source_dir`: POSIX relative path to bytes, sorted by path."""
    if not source_dir.is_dir():
        raise FileNotFoundError(f"SQL source folder not found: {source_dir}")
    files: dict[str, bytes] = {}
    for root, dirs, names in os.walk(source_dir):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_NAMES)
        for name in sorted(names):
            path = Path(root, name)
            if name in IGNORED_NAMES or name.endswith(".pyc") or not _is_regular_file(path):
                continue
            files[path.relative_to(source_dir).as_posix()] = path.read_bytes()
    if not files:
        raise ValueError(f"SQL source folder has no files: {source_dir}")
    return dict(sorted(files.items()))


def snapshots(files: Mapping[str, bytes]) -> list[dict[str, bytes]]:
    """The full file set of each planned commit, oldest first; the last one is `files`."""
    first = {
        path: earlier_form(path, data) for path, data in files.items() if path.startswith("athena/")
    }
    return [first, dict(files)]


def earlier_form(path: str, data: bytes) -> bytes:
    """The file as the first commit has it (the changed file without its `c.phone` line)."""
    if path != CHANGED_FILE:
        return data
    lines = data.splitlines(keepends=True)
    return b"".join(line for line in lines if not line.lstrip().startswith(b"c.phone"))


def blob_sha(data: bytes) -> str:
    """The git blob SHA-1 of `data`, as `git hash-object` prints it."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _is_regular_file(path: Path) -> bool:
    """True for a regular file that is not a symbolic link."""
    return path.is_file() and not path.is_symlink()


def _existing_commits(remote_dir: Path, files: Mapping[str, bytes]) -> tuple[str, ...] | None:
    """The branch's commits, oldest first, if `remote_dir` is a bare repo holding `files`."""
    if not remote_dir.is_dir():
        return None
    try:
        repo = git.Repo(remote_dir, expand_vars=False)
    except (GitError, OSError):
        return None
    try:
        if not repo.bare:
            return None
        tip = git.Head(repo, f"refs/heads/{BRANCH}").commit
        tree = {
            item.path: (item.mode, item.hexsha)
            for item in tip.tree.traverse()
            if isinstance(item, git.Blob)
        }
        wanted = {path: (FILE_MODE, blob_sha(data)) for path, data in files.items()}
        if tree != wanted:
            return None
        chain = [tip]
        while chain[-1].parents:
            chain.append(chain[-1].parents[0])
        return tuple(commit.hexsha for commit in reversed(chain))
    except (GitError, ODBError, ValueError, OSError):
        return None
    finally:
        repo.close()


def _check_replaceable(remote_dir: Path) -> None:
    """Refuse to replace anything but a missing path, an empty folder or a bare repository."""
    if not remote_dir.exists() and not remote_dir.is_symlink():
        return
    if remote_dir.is_dir() and not remote_dir.is_symlink() and not any(remote_dir.iterdir()):
        return
    try:
        repo = git.Repo(remote_dir, expand_vars=False)
        bare = repo.bare
        repo.close()
    except (GitError, OSError):
        bare = False
    if not bare:
        raise FileExistsError(f"{remote_dir} exists and is not a bare git repository")


def _init_repo(path: Path, *, bare: bool) -> git.Repo:
    """A new repository at `path` whose HEAD is `BRANCH`, isolated from user git config."""
    repo = git.Repo.init(path, mkdir=True, expand_vars=False, bare=bare, env=_HERMETIC_GIT_ENV)
    repo.git.update_environment(**_HERMETIC_GIT_ENV)
    repo.git.symbolic_ref("HEAD", f"refs/heads/{BRANCH}")
    with repo.config_writer() as config:
        # gitpython reads ~/.gitconfig itself; pin what changes commit bytes.
        config.set_value("i18n", "commitEncoding", "UTF-8")
        config.set_value("core", "autocrlf", "false")
    return repo


def _build(files: Mapping[str, bytes], *, work_dir: Path, bare_dir: Path) -> tuple[str, ...]:
    """Commit the planned snapshots in a working clone, push them to a new bare repo."""
    work = _init_repo(work_dir, bare=False)
    bare = _init_repo(bare_dir, bare=True)
    try:
        previous: dict[str, bytes] = {}
        commits: list[str] = []
        for plan, snapshot in zip(_HISTORY, snapshots(files), strict=True):
            _stage(work, previous, snapshot)
            person = git.Actor(plan.author_name, plan.author_email)
            commit = work.index.commit(
                plan.message,
                author=person,
                committer=person,
                author_date=plan.when,
                commit_date=plan.when,
                skip_hooks=True,
            )
            commits.append(commit.hexsha)
            previous = snapshot
        work.git.push("--no-verify", str(bare_dir), f"refs/heads/{BRANCH}:refs/heads/{BRANCH}")
    finally:
        work.close()
        bare.close()
    return tuple(commits)


def _stage(work: git.Repo, previous: Mapping[str, bytes], snapshot: Mapping[str, bytes]) -> None:
    """Make the work tree and index of `work` hold exactly `snapshot`."""
    root = Path(work.working_tree_dir or "")
    gone = sorted(set(previous) - set(snapshot))
    if gone:
        work.index.remove(gone, working_tree=True)
    entries = []
    for path, data in snapshot.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        stored = work.odb.store(IStream(git.Blob.type, len(data), BytesIO(data)))
        entries.append(BaseIndexEntry((FILE_MODE, stored.binsha, 0, path)))
    work.index.add(entries)


def _move_into_place(built: Path, remote_dir: Path, scratch: Path) -> None:
    """Replace `remote_dir` by `built` with two renames on the same file system."""
    previous = scratch / "previous.git"
    moved_aside = False
    if remote_dir.exists() or remote_dir.is_symlink():
        try:
            os.rename(remote_dir, previous)
            moved_aside = True
        except FileNotFoundError:
            pass  # Another builder moved it first.
    try:
        os.rename(built, remote_dir)
    except OSError:
        if moved_aside and not remote_dir.exists():
            os.rename(previous, remote_dir)
        raise
