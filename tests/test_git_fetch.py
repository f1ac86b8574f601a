"""The git fetch takes only what the sync reads: the configured ref (branch, tag, commit, or
the remote's default branch), the previously synced commit kept as a ref of our own, and no
more than `max_cache_bytes` of objects. Real repositories served over file://."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from support.git_remote import Remote

from lineage_assets.git_sql import repository
from lineage_assets.git_sql.repository import (
    LAST_REF,
    GitSourceConfig,
    GitSourceError,
    cache_dir_for,
    fetch,
)
from lineage_assets.git_sql.sync import sync_repository

SQL = "CREATE TABLE mart.{name} AS SELECT id FROM raw.{name};\n"
BIG = 3 * 2**20  # random bytes: no compression shrinks them


def git(folder: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Ana",
        "GIT_AUTHOR_EMAIL": "ana@example.com",
        "GIT_COMMITTER_NAME": "Ana",
        "GIT_COMMITTER_EMAIL": "ana@example.com",
    }
    return subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, check=True, text=True, env=env
    ).stdout.strip()


def has_object(cache: Path, sha: str) -> bool:
    done = subprocess.run(["git", "--git-dir", str(cache), "cat-file", "-e", sha], check=False)
    return done.returncode == 0


def refs(cache: Path) -> set[str]:
    return set(git(cache, "for-each-ref", "--format=%(refname)").split())


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    made = Remote(tmp_path)
    made.commit_files({"orders.sql": SQL.format(name="orders")}, "one")
    made.push("main")
    return made


def with_big_branch(remote: Remote) -> str:
    """A branch `huge` holding a large blob, and a tag on it; back on the branch after."""
    back = git(remote.work_dir, "branch", "--show-current")
    git(remote.work_dir, "checkout", "-q", "-b", "huge")
    remote.commit_files({"dump.bin": os.urandom(BIG)}, "huge")
    git(remote.work_dir, "tag", "-a", "-m", "big", "big-tag")
    remote.push("huge", "big-tag")
    git(remote.work_dir, "checkout", "-q", back)
    return remote.blob("huge:dump.bin")


def test_a_big_blob_on_another_branch_or_tag_is_never_fetched(remote, store, tmp_path):
    big = with_big_branch(remote)
    result = sync_repository(GitSourceConfig(remote=remote.url), store, tmp_path / "cache")
    assert result.error is None and result.added == ["orders.sql"]
    cache = cache_dir_for(GitSourceConfig(remote=remote.url), tmp_path / "cache")
    assert not has_object(cache, big)
    assert refs(cache) == {"refs/remotes/origin/main", LAST_REF}
    assert int(git(cache, "count-objects", "-v").split("size-pack: ")[1].split()[0]) < 100


def test_a_tag_ref_fetches_the_tag_and_not_the_branches(remote, tmp_path):
    git(remote.work_dir, "checkout", "-q", "-b", "release")
    tagged = remote.commit_files({"users.sql": SQL.format(name="users")}, "release")
    git(remote.work_dir, "tag", "-a", "-m", "v1", "v1")
    remote.push("release", "v1")
    git(remote.work_dir, "checkout", "-q", "main")
    big = with_big_branch(remote)
    config = GitSourceConfig(remote=remote.url, ref="v1")
    checkout = fetch(config, tmp_path / "cache")
    assert checkout.commit_sha == tagged
    assert [f.path for f in checkout.listing()] == ["orders.sql", "users.sql"]
    cache = cache_dir_for(config, tmp_path / "cache")
    assert refs(cache) == {"refs/tags/v1", LAST_REF} and not has_object(cache, big)


def test_a_full_commit_sha_ref_fetches_that_commit_only(remote, tmp_path):
    git(remote.work_dir, "checkout", "-q", "-b", "side")
    side = remote.commit_files({"users.sql": SQL.format(name="users")}, "side")
    remote.push("side")
    git(remote.work_dir, "checkout", "-q", "main")
    big = with_big_branch(remote)
    config = GitSourceConfig(remote=remote.url, ref=side.upper())
    assert fetch(config, tmp_path / "cache").commit_sha == side
    cache = cache_dir_for(config, tmp_path / "cache")
    assert not has_object(cache, big)
    missing = GitSourceConfig(remote=remote.url, ref="0" * 40)
    with pytest.raises(Exception, match="0" * 40):
        fetch(missing, tmp_path / "other")


def test_the_default_branch_is_fetched_alone_when_main_is_missing(tmp_path, store):
    remote = Remote(tmp_path, branch="master")
    sha = remote.commit_files({"a.sql": SQL.format(name="a")})
    remote.push("master")
    big = with_big_branch(remote)
    config = GitSourceConfig(remote=remote.url)
    result = sync_repository(config, store, tmp_path / "cache")
    assert result.error is None and result.commit == sha
    cache = cache_dir_for(config, tmp_path / "cache")
    assert refs(cache) == {"refs/remotes/origin/master", LAST_REF}
    assert not has_object(cache, big)


def test_a_force_push_is_still_detected_and_the_old_commit_kept(remote, store, tmp_path):
    first = remote.blob("HEAD")
    remote.commit_files({"users.sql": SQL.format(name="users")}, "two")
    remote.push("main")
    synced = sync_repository(GitSourceConfig(remote=remote.url), store, tmp_path / "cache")
    assert synced.error is None and not synced.rewritten
    dropped = synced.commit
    git(remote.work_dir, "reset", "-q", "--hard", first)
    rewritten = remote.commit_files({"orders.sql": SQL.format(name="orders2")}, "rewrite")
    remote.push("main")
    git(remote.bare_dir, "reflog", "expire", "--expire=now", "--all")
    git(remote.bare_dir, "gc", "-q", "--prune=now")
    cache = cache_dir_for(GitSourceConfig(remote=remote.url), tmp_path / "cache")
    assert git(cache, "rev-parse", LAST_REF) == dropped  # the previous commit, held by our ref
    result = sync_repository(GitSourceConfig(remote=remote.url), store, tmp_path / "cache")
    assert result.error is None and result.rewritten and result.commit == rewritten
    assert result.previous_commit == dropped and result.deleted == [("users.sql", None)]
    assert git(cache, "rev-parse", LAST_REF) == rewritten
    again = sync_repository(GitSourceConfig(remote=remote.url), store, tmp_path / "cache")
    assert not again.rewritten and again.statements_parsed == 0


def test_refs_of_an_older_cache_layout_are_dropped(remote, tmp_path):
    big = with_big_branch(remote)
    config = GitSourceConfig(remote=remote.url)
    cache = cache_dir_for(config, tmp_path / "cache")
    fetch(config, tmp_path / "cache")
    git(cache, "fetch", "-q", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*")
    assert "refs/remotes/origin/huge" in refs(cache) and has_object(cache, big)
    fetch(config, tmp_path / "cache")
    assert refs(cache) == {"refs/remotes/origin/main", LAST_REF}


def test_a_cache_over_the_size_bound_fails_the_sync_and_keeps_the_last_lineage(
    remote, store, tmp_path
):
    config = GitSourceConfig(remote=remote.url, max_cache_bytes=2**20)
    assert sync_repository(config, store, tmp_path / "cache").error is None
    remote.commit_files({"dump.bin": os.urandom(BIG), "users.sql": SQL.format(name="users")})
    remote.push("main")
    result = sync_repository(config, store, tmp_path / "cache")
    assert result.error is not None and "\n" not in result.error
    assert "max_cache_bytes" in result.error and remote.url in result.error
    assert not cache_dir_for(config, tmp_path / "cache").exists()  # the disk is given back
    statuses = dict(store.conn.execute("SELECT source_key, status FROM sources").fetchall())
    assert statuses == {"git:remote": "stale", "sql:remote/orders.sql": "stale"}
    roomy = GitSourceConfig(remote=remote.url)
    healed = sync_repository(roomy, store, tmp_path / "cache")
    assert healed.error is None and "users.sql" in healed.added


def test_an_abbreviated_sha_fetches_the_branches_but_under_the_size_bound(remote, tmp_path):
    first = remote.blob("HEAD")
    assert fetch(GitSourceConfig(remote=remote.url, ref=first[:10]), tmp_path / "a").commit_sha
    with_big_branch(remote)
    bounded = GitSourceConfig(remote=remote.url, ref=first[:10], max_cache_bytes=2**20)
    with pytest.raises(Exception, match="max_cache_bytes"):
        fetch(bounded, tmp_path / "b")


def test_refs_that_are_not_names_are_refused_before_any_fetch(remote, tmp_path):
    for ref in ["main~1", "main:x", "a b", "HEAD^"]:
        with pytest.raises(Exception, match="not a branch, tag or commit name"):
            fetch(GitSourceConfig(remote=remote.url, ref=ref), tmp_path / "cache")


def test_the_size_bound_stops_a_fetch_while_it_runs(remote, tmp_path, monkeypatch):
    """The remote's pack arrives, then its upload-pack stays open: only the watch on the
    running fetch (not the check after it, switched off here) can refuse the cache."""
    config = GitSourceConfig(remote=remote.url, max_cache_bytes=2**20)
    fetch(config, tmp_path / "cache")
    cache = cache_dir_for(config, tmp_path / "cache")
    listed = tmp_path / "listed"  # the ref listing comes first and is answered at once
    hold = f'git-upload-pack "$1"; [ -e {listed} ] && sleep 30; touch {listed}'
    git(cache, "config", "remote.origin.uploadpack", f"sh -c '{hold}' -")
    remote.commit_files({"dump.bin": os.urandom(BIG)})
    remote.push("main")
    monkeypatch.setattr(repository, "_check_cache_size", lambda *args: None)
    with pytest.raises(GitSourceError, match="max_cache_bytes"):
        fetch(config, tmp_path / "cache")
    assert not cache.exists()
