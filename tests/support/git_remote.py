"""A real git remote for the SQL-from-git tests: a working repository pushing to a bare one
served over file://, and a sync of it into a store."""

from __future__ import annotations

from pathlib import Path

import git

from lineage_assets.git_sql.repository import GitSourceConfig
from lineage_assets.git_sql.sync import SyncResult, sync_repository
from lineage_assets.store import LineageStore

AUTHOR = git.Actor("Ana Analyst", "ana@example.com")


class Remote:
    """A working repository (`work`) pushing to a bare remote (`bare`) at `url`."""

    def __init__(self, root: Path, branch: str = "main") -> None:
        self.branch = branch
        self.bare_dir, self.work_dir = root / "remote.git", root / "work"
        self.bare = git.Repo.init(self.bare_dir, bare=True, initial_branch=branch)
        self.work = git.Repo.init(self.work_dir, initial_branch=branch)
        self.work.create_remote("origin", str(self.bare_dir))
        self.url = self.bare_dir.as_uri()

    def write(self, path: str, content: str | bytes) -> None:
        """Write a file in the work tree and stage it."""
        target = self.work_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
        self.work.index.add([path])

    def delete(self, path: str) -> None:
        self.work.index.remove([path], working_tree=True)

    def rename(self, old: str, new: str) -> None:
        (self.work_dir / new).parent.mkdir(parents=True, exist_ok=True)
        self.work.git.mv(old, new)

    def commit(self, message: str, push: bool = True, force: bool = False) -> str:
        """Commit what is staged; push it to the remote's branch unless told not to."""
        commit = self.work.index.commit(message, author=AUTHOR, committer=AUTHOR)
        if push:
            self.work.git.push(
                "--force" if force else "--no-force", "origin", f"HEAD:{self.branch}"
            )
        return commit.hexsha

    def commit_files(self, files: dict[str, bytes | str], message: str = "change") -> str:
        """Write the files, stage every change in the work tree and commit it (not pushed)."""
        for name, content in files.items():
            target = self.work_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
        self.work.git.add("-A")
        return self.work.index.commit(message, author=AUTHOR, committer=AUTHOR).hexsha

    def push(self, *refs: str) -> None:
        """Force-push the given branches and tags."""
        self.work.git.push("-q", "--force", "origin", *refs)

    def blob(self, rev_path: str) -> str:
        """The object name of `rev:path` (or of a revision)."""
        return self.work.git.rev_parse(rev_path)


def sync(remote: Remote, store: LineageStore, tmp_path: Path, **options: object) -> SyncResult:
    """Sync the remote (or `url=`) into the store, caching its clone under `tmp_path`."""
    config = GitSourceConfig(remote=options.pop("url", remote.url), **options)  # type: ignore[arg-type]
    return sync_repository(config, store, tmp_path / "cache")
