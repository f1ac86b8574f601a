"""A cached clone of the SQL repository: fetch, resolve the ref, list files by blob, find the
commit that last changed each file. gitpython drives the git binary; no shell, no network
other than the configured remote.

An HTTPS token never enters a URL or a command line: it travels to git in the
`GIT_CONFIG_*` environment as an `http.extraHeader`, and every error is redacted.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

import git
from git.exc import GitError

from lineage_assets.redact import public_url, redact


class GitSourceError(Exception):
    """The repository could not be synced; the message names the remote, never credentials."""


@dataclass(frozen=True)
class GitSourceConfig:
    """Where the SQL lives and which files count."""

    remote: str
    ref: str = "main"
    subdirectory: str = ""
    include: tuple[str, ...] = ("*.sql", "*.py")
    exclude: tuple[str, ...] = ()
    dialect: str | None = None
    dialect_overrides: tuple[tuple[str, str], ...] = ()  # (glob, dialect), first match wins
    token: str | None = field(default=None, repr=False)
    name: str | None = None

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
    """A file at the synced commit, identified by its blob."""

    path: str
    blob_sha: str


@dataclass(frozen=True)
class Change:
    """The last commit that touched a file: provenance for every statement in it."""

    commit_sha: str
    author: str
    time: datetime


@dataclass(frozen=True)
class Checkout:
    """The result of a fetch: the commit the ref points at, and the repository to read it from."""

    repo: git.Repo
    commit_sha: str

    def listing(self) -> list[RepoFile]:
        """Every file at the commit with its blob SHA, sorted by path (no working tree needed)."""
        listing = self.repo.git.ls_tree("-r", "-z", self.commit_sha)
        files = []
        for entry in filter(None, listing.split("\0")):
            meta, path = entry.split("\t", 1)
            _, kind, sha = meta.split()
            if kind == "blob":
                files.append(RepoFile(path, sha))
        return sorted(files, key=lambda f: f.path)

    def files(self, config: GitSourceConfig) -> list[RepoFile]:
        """The files the configuration wants (subdirectory, include and exclude globs)."""
        return [f for f in self.listing() if config.wants(f.path)]

    def read(self, blob_sha: str) -> bytes:
        """A blob's content."""
        return self.repo.odb.stream(bytes.fromhex(blob_sha)).read()

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether `older` is in the history of `newer` (False when `older` is gone)."""
        try:
            self.repo.git.merge_base("--is-ancestor", older, newer)
        except GitError:
            return False
        return True

    def last_changes(self, paths: Iterable[str]) -> dict[str, Change]:
        """The commit that last changed each path, from one walk of the history."""
        wanted = set(paths)
        found: dict[str, Change] = {}
        if not wanted:
            return found
        log = self.repo.git.log(
            "--format=%x01%H%x00%an%x00%aI", "--name-only", "-z", self.commit_sha
        )
        for record in filter(None, log.split("\x01")):
            header, _, names = record.partition("\0\n")
            sha, author, when = header.split("\0")
            for name in filter(None, (n.strip("\n") for n in names.split("\0"))):
                if name in wanted and name not in found:
                    found[name] = Change(sha, author, datetime.fromisoformat(when))
            if len(found) == len(wanted):
                break
        return found

    def deleting_commit(self, since: str | None, path: str) -> str | None:
        """The commit between `since` and the synced commit that deleted `path`, if known."""
        if since is None:
            return None
        try:
            out = self.repo.git.log(
                "-1", "--format=%H", "--diff-filter=D", f"{since}..{self.commit_sha}", "--", path
            )
        except GitError:
            return None
        return out.strip() or None


def _auth_environment(config: GitSourceConfig) -> dict[str, str]:
    """git config passed through the environment: the token as an HTTP header, never a URL."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "GCM_INTERACTIVE": "never"}
    if config.token and config.remote.startswith("https://"):
        basic = base64.b64encode(f"x-access-token:{config.token}".encode()).decode()
        env.update(
            GIT_CONFIG_COUNT="1",
            GIT_CONFIG_KEY_0="http.extraHeader",
            GIT_CONFIG_VALUE_0=f"Authorization: Basic {basic}",
        )
    return env


def cache_dir_for(config: GitSourceConfig, cache_root: Path) -> Path:
    """One cached clone per remote, named so two remotes never share it."""
    digest = hashlib.sha256(config.public_remote.encode()).hexdigest()[:12]
    return cache_root / f"{config.repo_name}-{digest}.git"


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
    cache = cache_dir_for(config, cache_root)
    secrets = [config.token]
    try:
        repo = _open_cache(config, cache)
        repo.git.update_environment(**_auth_environment(config))
        repo.git.remote("set-url", "origin", public_url(config.remote))
        repo.git.fetch(
            "--force",
            "--prune",
            "--tags",
            "origin",
            "+refs/heads/*:refs/remotes/origin/*",
        )
        commit = _resolve(repo, config.ref)
    except (GitError, OSError, ValueError) as error:
        detail = redact(str(getattr(error, "stderr", "") or error), secrets).strip()
        raise GitSourceError(
            f"git remote {config.public_remote} (ref {config.ref}): {_first_line(detail)}"
        ) from None
    return Checkout(repo, commit)


def _resolve(repo: git.Repo, ref: str) -> str:
    """A branch, tag or commit as a commit SHA."""
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
