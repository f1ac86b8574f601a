"""A cached clone of the SQL repository: fetch, resolve the ref, list files by blob, find the
commit that last changed each file. gitpython drives the git binary; no shell, no network
other than the configured remote.

An HTTPS token never enters a URL or a command line: it travels to git in the
`GIT_CONFIG_*` environment as an `http.extraHeader`, and every error is redacted. A remote URL
that carries credentials itself is refused: the configuration only ever keeps its public form.

A fetch takes only the configured ref (a branch, a tag, a full commit SHA, or the remote's
default branch when the default `main` is missing; other branches and tags are never fetched)
and keeps the last synced commit under `refs/lineage/last` so a force-push is still seen. The
cached clone may hold at most `GitSourceConfig.max_cache_bytes` (2 GiB by default): a fetch
growing past it is killed, the cache is removed, and the sync fails in one line.
"""

from __future__ import annotations

import base64
import fcntl
import fnmatch
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath

import git
from git.exc import GitError

from lineage_assets.git_sql.history import (
    Change,
    decode_path,
    deleting_commits,
    last_changes,
    tokens,
)
from lineage_assets.redact import public_url, redact, split_credentials

__all__ = ["Change", "Checkout", "GitSourceConfig", "GitSourceError", "RepoFile", "fetch"]

DEFAULT_TOKEN_ENV = "LINEAGE_GIT_TOKEN"
DEFAULT_REF = "main"
SYMLINK_MODE = "120000"
CACHE_NAME_CHARS = 48
ALLOWED_PROTOCOLS = "file:git:http:https:ssh"
FETCH_TIMEOUT_SECONDS = 1800.0
STALL_SECONDS = 120
MAX_TREE_ENTRIES = 500_000
MAX_GIT_ERROR_BYTES = 4_096
MAX_CACHE_BYTES = 2 * 1024**3
WATCH_SECONDS = 0.2
LAST_REF = "refs/lineage/last"
COMMIT_REF = "refs/lineage/commit"
BRANCHES = "refs/remotes/origin/*"
FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
SHORT_SHA = re.compile(r"[0-9a-f]{4,63}")


class TreeTooLarge(GitError):
    """The synced commit lists more paths than any SQL repository would (a "git bomb")."""


class GitSourceError(Exception):
    """The repository could not be synced; the message names the remote, never credentials."""


@dataclass(frozen=True)
class GitSourceConfig:
    """Where the SQL lives and which files count."""

    remote: str
    ref: str = DEFAULT_REF
    subdirectory: str = ""
    include: tuple[str, ...] = ("*.sql", "*.py")
    exclude: tuple[str, ...] = ()
    dialect: str | None = None
    dialect_overrides: tuple[tuple[str, str], ...] = ()  # (glob, dialect), first match wins
    token: str | None = field(default=None, repr=False)
    name: str | None = None
    token_env: str = DEFAULT_TOKEN_ENV
    credentials_in_remote: bool = field(default=False, repr=False)
    # dbt: the target models are named for (default: `prod`, schema `analytics`, no
    # database), env variables templates may read besides DBT_ENV_*, a manifest.json path.
    dbt_target: str | None = None
    dbt_database: str | None = None
    dbt_schema: str | None = None
    dbt_env_allow: tuple[str, ...] = ()
    dbt_manifest: str | None = None
    # The cached clone's size after a fetch (packs, loose objects, garbage); over it the sync
    # fails as a whole and the cache is removed. Only the configured ref is ever fetched.
    max_cache_bytes: int = MAX_CACHE_BYTES

    def __post_init__(self) -> None:
        """Keep only the public form of the remote; remember that credentials were cut off."""
        split = split_credentials(self.remote)
        if split.credentials is not None:
            object.__setattr__(self, "remote", split.public)
            object.__setattr__(self, "credentials_in_remote", True)

    @property
    def repo_name(self) -> str:
        """Short name used in source keys: the given name, else the remote's last segment."""
        if self.name:
            return self.name
        tail = public_url(self.remote).rstrip("/").rsplit("/", 1)[-1]
        return tail.removesuffix(".git") or "repo"

    @property
    def public_remote(self) -> str:
        """The remote as it may be shown: no credentials."""
        return public_url(self.remote)

    def refusal(self) -> str | None:
        """Why the configuration cannot be used as given, if it cannot (credentials in the URL)."""
        if not self.credentials_in_remote:
            return None
        return (
            f"git remote {self.public_remote}: credentials in the remote URL are refused; "
            f"remove them from the URL and put the token in the environment variable "
            f"named by token_env (${self.token_env})"
        )

    def dialect_for(self, path: str) -> str | None:
        """The dialect of one file: the first matching override, else the default."""
        for pattern, dialect in self.dialect_overrides:
            if _matches(path, pattern):
                return dialect
        return self.dialect

    def wants(self, path: str) -> bool:
        """Whether a repository path is inside the subdirectory and passes include/exclude."""
        if self.subdirectory and not path.startswith(self.subdirectory.strip("/") + "/"):
            return False
        return any(_matches(path, p) for p in self.include) and not any(
            _matches(path, p) for p in self.exclude
        )


def _matches(path: str, pattern: str) -> bool:
    """Glob match on the whole path or, for patterns without a slash, on the file name."""
    if "/" in pattern:
        return PurePosixPath(path).match(pattern) or fnmatch.fnmatch(path, pattern)
    return fnmatch.fnmatch(PurePosixPath(path).name, pattern)


@dataclass(frozen=True)
class RepoFile:
    """A file at the synced commit, identified by its blob; `mode` tells links from files."""

    path: str
    blob_sha: str
    mode: str = "100644"
    size: int | None = None

    @property
    def is_symlink(self) -> bool:
        """A symbolic link: its blob is the target's name, which is never followed."""
        return self.mode == SYMLINK_MODE


@dataclass(frozen=True)
class Submodule:
    """A submodule (gitlink) at the synced commit: a commit of another repository, not fetched."""

    path: str
    commit_sha: str


@dataclass(frozen=True)
class Checkout:
    """The result of a fetch: the commit the ref points at, and the repository to read it from."""

    repo: git.Repo
    commit_sha: str

    @cached_property
    def _tree(self) -> tuple[list[RepoFile], list[Submodule]]:
        """Blobs (with mode and size) and submodules at the commit, from one `ls-tree`."""
        files, submodules = [], []
        for entry in filter(None, self._tree_entries()):
            meta, _, raw_path = entry.partition(b"\t")
            mode, kind, sha, size = meta.decode("ascii").split()
            path = decode_path(raw_path)
            if kind == "blob":
                files.append(RepoFile(path, sha, mode, int(size) if size.isdigit() else None))
            elif kind == "commit":
                submodules.append(Submodule(path, sha))
        return sorted(files, key=lambda f: f.path), sorted(submodules, key=lambda s: s.path)

    def _tree_entries(self) -> Iterator[bytes]:
        """`ls-tree -r` entries, streamed and stopped past `MAX_TREE_ENTRIES` (a tree that repeats
        its subtrees lists 10^7 paths from 200 KB of objects, 10^9 from a few more)."""
        command = [*self._git, "ls-tree", "-r", "-l", "-z", "--full-tree", self.commit_sha]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        try:
            for count, entry in enumerate(tokens(process.stdout), start=1):
                if count > MAX_TREE_ENTRIES:
                    raise TreeTooLarge(
                        f"commit {self.commit_sha} lists more than {MAX_TREE_ENTRIES:,} paths; "
                        "not synced"
                    )
                yield entry
            error = process.stderr.read(MAX_GIT_ERROR_BYTES)
            if process.wait() != 0:
                raise git.GitCommandError(command, process.returncode, error)
        finally:
            process.kill()
            process.wait()
            process.stdout.close()
            process.stderr.close()

    def listing(self) -> list[RepoFile]:
        """Every file at the commit with its blob SHA, sorted by path (no working tree needed)."""
        return list(self._tree[0])

    def submodules(self) -> list[Submodule]:
        """Submodules at the commit (their content lives in other repositories)."""
        return list(self._tree[1])

    def files(self, config: GitSourceConfig) -> list[RepoFile]:
        """The files the configuration wants (subdirectory, include and exclude globs)."""
        return [f for f in self.listing() if config.wants(f.path)]

    def read(self, blob_sha: str) -> bytes:
        """A blob's content."""
        return self.repo.odb.stream(bytes.fromhex(blob_sha)).read()

    def read_blobs(self, blob_shas: Iterable[str]) -> dict[str, bytes]:
        """Many blobs from one `git cat-file --batch` run (one round trip, not one per blob);
        the caller bounds the total size. Missing objects are left out."""
        wanted = list(dict.fromkeys(blob_shas))
        if not wanted:
            return {}
        out = subprocess.run(
            [*self._git, "cat-file", "--batch"],
            input="".join(f"{sha}\n" for sha in wanted).encode(),
            capture_output=True,
            check=True,
        ).stdout
        blobs, at = {}, 0
        for sha in wanted:
            end = out.index(b"\n", at)
            header = out[at:end].split()
            at = end + 1
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                blobs[sha] = out[at : at + size]
                at += size + 1
            elif len(header) == 3:  # another kind of object: skip its content
                at += int(header[2]) + 1
        return blobs

    @property
    def is_shallow(self) -> bool:
        """Whether the history is cut (a shallow remote): provenance stops at the boundary."""
        return Path(self.repo.git_dir, "shallow").exists()

    @property
    def _git(self) -> list[str]:
        """The git command line for plumbing on this repository (no shell, no config of ours)."""
        executable = self.repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git"
        return [str(executable), "--git-dir", str(self.repo.git_dir)]

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether `older` is in the history of `newer` (False when `older` is gone)."""
        try:
            self.repo.git.merge_base("--is-ancestor", older, newer)
        except GitError:
            return False
        return True

    def last_changes(self, paths: Iterable[str]) -> dict[str, Change]:
        """The commit that last changed each path (merges included), from one history walk."""
        return last_changes(self._git, self.commit_sha, paths)

    def deleting_commits(self, since: str | None, paths: Iterable[str]) -> dict[str, str]:
        """The commit between `since` and the synced commit that deleted each path, if known."""
        return deleting_commits(self._git, since, self.commit_sha, paths)

    def deleting_commit(self, since: str | None, path: str) -> str | None:
        """The commit between `since` and the synced commit that deleted `path`, if known."""
        return self.deleting_commits(since, [path]).get(path)

    def changed_since(self, since: str) -> list[str] | None:
        """Paths that differ between `since` and the synced commit (None when unknown)."""
        try:
            out = self.repo.git.diff(
                "--name-only", "--no-renames", "-z", since, self.commit_sha, stdout_as_string=False
            )
        except GitError:
            return None
        return [decode_path(p) for p in out.split(b"\0") if p]


def _git_environment(config: GitSourceConfig) -> dict[str, str]:
    """How git runs for a fetch: never prompting, only ordinary transports (no `ext::`),
    giving up on a stalled transfer, and the token as an HTTP header (never in a URL)."""
    env = {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "true",
        "GCM_INTERACTIVE": "never",
        "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS,
        "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND") or "ssh -o BatchMode=yes",
    }
    settings = [("http.lowSpeedLimit", "1000"), ("http.lowSpeedTime", str(STALL_SECONDS))]
    if config.token and config.remote.startswith("https://"):
        basic = base64.b64encode(f"x-access-token:{config.token}".encode()).decode()
        settings.append(("http.extraHeader", f"Authorization: Basic {basic}"))
    env["GIT_CONFIG_COUNT"] = str(len(settings))
    for index, (key, value) in enumerate(settings):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def cache_dir_for(config: GitSourceConfig, cache_root: Path) -> Path:
    """One cached clone per remote, named so two remotes never share it: a bounded, plain
    rendering of the name (no `/`, no `..`) and a digest of the public remote."""
    digest = hashlib.sha256(config.public_remote.encode()).hexdigest()[:12]
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", config.repo_name).strip("._")[:CACHE_NAME_CHARS]
    return cache_root / f"{plain or 'repo'}-{digest}.git"


def _open_cache(config: GitSourceConfig, cache: Path) -> git.Repo:
    """The cached bare clone, created on first use and recreated when corrupt."""
    if cache.exists():
        try:
            repo = git.Repo(cache)
            repo.git.rev_parse("--git-dir")
            return repo
        except (GitError, git.InvalidGitRepositoryError, git.NoSuchPathError):
            shutil.rmtree(cache, ignore_errors=True)  # corrupt: start over
    cache.parent.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(cache, bare=True)
    repo.git.remote("add", "origin", public_url(config.remote))
    return repo


def fetch(config: GitSourceConfig, cache_root: Path) -> Checkout:
    """Fetch the remote into the cache (history rewrites included) and resolve the ref."""
    refusal = config.refusal()
    if refusal is not None:
        raise GitSourceError(refusal)
    if config.remote.startswith("-") or not config.remote.strip():
        raise GitSourceError(f"git remote {config.public_remote!r} is not a URL or a path")
    cache = cache_dir_for(config, cache_root)
    secrets = [config.token]
    try:
        with _cache_lock(cache):
            return Checkout(*_fetch_into(config, cache))
    except (GitError, OSError, ValueError) as error:
        detail = redact(str(getattr(error, "stderr", "") or error), secrets).strip()
        raise GitSourceError(
            f"git remote {config.public_remote} (ref {config.ref}): {_first_line(detail)}"
        ) from None


@contextmanager
def _cache_lock(cache: Path) -> Iterator[None]:
    """One fetch at a time into a cached clone (a CLI sync and a Dagster run may overlap)."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    with open(cache.with_name(cache.name + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fetch_into(config: GitSourceConfig, cache: Path) -> tuple[git.Repo, str]:
    """Open (or create) the cache, fetch only the configured ref, check the cache's size,
    resolve the ref, and keep that commit as `LAST_REF` for the next sync's rewrite check."""
    repo = _open_cache(config, cache)
    repo.git.update_environment(**_git_environment(config))
    repo.git.remote("set-url", "origin", public_url(config.remote))
    target = _remote_target(repo, config.ref)
    _run_fetch(repo, cache, config, target.refspec)
    _check_cache_size(repo, cache, config.max_cache_bytes)
    commit = _resolve(repo, target.local if target.local != BRANCHES else config.ref)
    _keep_only_refs(repo, {target.local, LAST_REF}, keep_prefix=target.keep_prefix)
    repo.git.update_ref("--no-deref", LAST_REF, commit)
    return repo, commit


def _run_fetch(repo: git.Repo, cache: Path, config: GitSourceConfig, refspec: str) -> None:
    """`git fetch` of one refspec, watched while it runs: its process group is killed when the
    cache's objects grow past `max_cache_bytes` (the bound holds during the transfer, not
    only after it) or when it outlives `FETCH_TIMEOUT_SECONDS`."""
    command = [
        *(str(repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git"), "--git-dir", str(repo.git_dir)),
        *("fetch", "--force", "--no-tags", "--no-write-fetch-head", "--update-shallow"),
        *("origin", refspec),
    ]
    environment = {**os.environ, **_git_environment(config)}
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            env=environment,
            start_new_session=True,  # git's helpers (index-pack, ssh) die with it
        )
        deadline, grown = time.monotonic() + FETCH_TIMEOUT_SECONDS, 0
        try:
            while process.poll() is None:
                grown = _objects_bytes(cache)
                if grown > config.max_cache_bytes:
                    break
                if time.monotonic() > deadline:
                    raise ValueError(f"git fetch took over {FETCH_TIMEOUT_SECONDS:,.0f} s")
                with suppress(subprocess.TimeoutExpired):
                    process.wait(WATCH_SECONDS)  # returns as soon as git is done
        finally:
            _kill_group(process)
        if grown > config.max_cache_bytes:
            _refuse_cache(cache, grown, config.max_cache_bytes)
        if process.returncode != 0:
            errors.seek(0)
            detail = errors.read(MAX_GIT_ERROR_BYTES).decode("utf-8", "replace")
            raise git.GitCommandError(command, process.returncode, detail)


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill a running process and every helper it started (its own session), then reap it.
    A process already reaped is left alone: its id may belong to another by now."""
    if process.returncode is None:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _objects_bytes(cache: Path) -> int:
    """Bytes under the cache's object store, temporary packs of a running fetch included."""
    total = 0
    for folder, _, names in os.walk(cache / "objects"):
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue  # renamed or removed by git meanwhile
    return total


@dataclass(frozen=True)
class FetchTarget:
    """What one fetch asks the remote for, and the local ref (or prefix) that receives it."""

    refspec: str
    local: str
    keep_prefix: str | None = None


def _remote_target(repo: git.Repo, ref: str) -> FetchTarget:
    """The one remote ref the configured ref names: a branch (before a tag of the same name,
    as before), a tag, a full commit SHA, or, for the default `main` when the remote has no
    such ref, the remote's default branch. An abbreviated SHA can only be found among the
    branches: then the branches are fetched (still under the cache's size bound)."""
    if not ref or ref.startswith("-") or any(c.isspace() or c in "^~:?*[\\" for c in ref):
        raise ValueError(f"ref {ref!r} is not a branch, tag or commit name")
    advertised = _advertised(repo, ["HEAD", f"refs/heads/{ref}", f"refs/tags/{ref}"])
    if f"refs/heads/{ref}" in advertised:
        return _branch_target(ref)
    if f"refs/tags/{ref}" in advertised:
        return FetchTarget(f"+refs/tags/{ref}:refs/tags/{ref}", f"refs/tags/{ref}")
    if FULL_SHA.fullmatch(ref.lower()):
        return FetchTarget(f"+{ref.lower()}:{COMMIT_REF}", COMMIT_REF)
    if ref == DEFAULT_REF and advertised.get("HEAD", "").startswith("ref: refs/heads/"):
        return _branch_target(advertised["HEAD"].removeprefix("ref: refs/heads/"))
    if SHORT_SHA.fullmatch(ref.lower()):
        return FetchTarget("+refs/heads/*:refs/remotes/origin/*", BRANCHES, "refs/remotes/origin/")
    raise ValueError(f"ref {ref!r} not found (no such branch, tag or commit)")


def _branch_target(branch: str) -> FetchTarget:
    """Fetch one branch into its remote-tracking ref."""
    local = f"refs/remotes/origin/{branch}"
    return FetchTarget(f"+refs/heads/{branch}:{local}", local)


def _advertised(repo: git.Repo, names: list[str]) -> dict[str, str]:
    """The remote's refs among `names` (exact names), with the target of a symbolic HEAD as
    `ref: refs/heads/...` (the remote's default branch)."""
    out = str(repo.git.ls_remote("--symref", "origin", *names, kill_after_timeout=STALL_SECONDS))
    found: dict[str, str] = {}
    for line in out.splitlines():
        value, _, name = line.partition("\t")
        if name in names and (value.startswith("ref: ") or name not in found):
            found[name] = value
    return found


def _check_cache_size(repo: git.Repo, cache: Path, limit: int) -> None:
    """Refuse a cache past `limit` bytes after the fetch (packs, loose objects, garbage)."""
    counts = dict(
        line.split(": ", 1) for line in repo.git.count_objects("-v").splitlines() if ": " in line
    )
    size = 1024 * sum(int(counts.get(key, "0")) for key in ("size", "size-pack", "size-garbage"))
    if size > limit:
        _refuse_cache(cache, size, limit)


def _refuse_cache(cache: Path, size: int, limit: int) -> None:
    """Remove the oversized cache (the disk is given back; the next sync fetches afresh) and
    fail the sync in one line naming the bound."""
    shutil.rmtree(cache, ignore_errors=True)
    raise ValueError(
        f"the fetched repository takes {size / 2**20:,.0f} MiB or more, over the bound of "
        f"{limit / 2**20:,.0f} MiB (max_cache_bytes); not synced"
    )


def _keep_only_refs(repo: git.Repo, keep: set[str], keep_prefix: str | None) -> None:
    """Drop every other ref (branches and tags of earlier fetches, of an older cache layout)
    so the cache holds no more than the sync reads."""
    listed = repo.git.for_each_ref("--format=%(refname)").splitlines()
    stale = [
        name
        for name in listed
        if name not in keep and not (keep_prefix and name.startswith(keep_prefix))
    ]
    if stale:
        subprocess.run(
            [
                repo.git.GIT_PYTHON_GIT_EXECUTABLE or "git",
                "--git-dir",
                repo.git_dir,
                "update-ref",
                "--stdin",
            ],
            input="".join(f"delete {name}\n" for name in stale).encode(),
            capture_output=True,
            check=True,
        )


def _resolve(repo: git.Repo, ref: str) -> str:
    """A branch, tag or commit as a commit SHA (never an option: no leading `-`)."""
    if not ref or ref.startswith("-"):
        raise ValueError(f"ref {ref!r} is not a branch, tag or commit name")
    for candidate in (f"refs/remotes/origin/{ref}", f"refs/tags/{ref}", ref):
        try:
            return repo.git.rev_parse("--verify", "--quiet", f"{candidate}^{{commit}}")
        except GitError:
            continue
    raise ValueError(f"ref {ref!r} not found (no such branch, tag or commit)")


def _first_line(text: str) -> str:
    """The most telling line of git's error output."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        if line.lower().startswith(("fatal:", "error:", "stderr:")):
            return line.removeprefix("stderr:").strip().strip("'")
    return lines[-1] if lines else "unknown git error"


def environment_token(variable: str) -> str | None:
    """The token from the named environment variable, if any."""
    return os.environ.get(variable) or None
