"""Git as it is, against real repositories made in temp dirs: merges (first-parent, octopus,
`-s ours`, a conflict resolved by hand), force-pushes, shallow clones, submodules, symlinks,
binary files, LFS pointers, invalid UTF-8, UTF-16 and files above the byte bound.

Provenance is checked against git itself: for every file, the commit the sync stores must be
the one `git log -1 -- <path>` names."""

from __future__ import annotations

import subprocess
from pathlib import Path

import git
import pytest

from lineage_assets.git_sql import content
from lineage_assets.git_sql.repository import GitSourceConfig, fetch
from lineage_assets.git_sql.sync import sync_repository
from lineage_assets.store import LineageStore

SQL = "INSERT INTO mart.{name} SELECT id FROM raw.{name};\n"


class Work:
    """A working repository with several authors, pushed to a bare remote over file://."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bare = git.Repo.init(root / "remote.git", bare=True, initial_branch="main")
        self.repo = git.Repo.init(root / "work", initial_branch="main")
        self.repo.create_remote("origin", str(root / "remote.git"))
        self.url = (root / "remote.git").as_uri()
        self.tick = 0

    def run(self, *args: str) -> str:
        return self.repo.git.execute(["git", *args], env=self._env())

    def _env(self, author: str = "Ana") -> dict[str, str]:
        self.tick += 1
        when = f"2024-01-01T00:{self.tick // 60:02d}:{self.tick % 60:02d}+00:00"
        return {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": f"{author.lower()}@example.com",
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": f"{author.lower()}@example.com",
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
        }

    def write(self, path: str, text: str | bytes) -> None:
        target = Path(self.repo.working_dir, path)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            target.write_bytes(text)
        else:
            target.write_text(text)
        self.repo.git.add(path)

    def commit(self, message: str, author: str = "Ana") -> str:
        self.repo.git.execute(["git", "commit", "-q", "-m", message], env=self._env(author))
        return self.repo.head.commit.hexsha

    def merge(self, *branches: str, strategy: str | None = None, author: str = "Ana") -> str:
        options = ["-s", strategy] if strategy else []
        self.repo.git.execute(
            ["git", "merge", "-q", "--no-ff", "--no-edit", *options, *branches],
            env=self._env(author),
        )
        return self.repo.head.commit.hexsha

    def push(self, force: bool = False) -> None:
        self.repo.git.push("--force" if force else "--no-force", "origin", "HEAD:main")

    def git_last_change(self, path: str) -> str:
        """git's own answer: the commit `git log -1 -- path` shows."""
        return self.repo.git.log("-1", "--format=%H", "--", path)


@pytest.fixture
def work(tmp_path: Path) -> Work:
    return Work(tmp_path)


def sync(work: Work, store: LineageStore, tmp_path: Path, **options):
    config = GitSourceConfig(remote=options.pop("url", work.url), **options)
    return sync_repository(config, store, tmp_path / "cache")


def provenance(store: LineageStore) -> dict[str, tuple[str, str]]:
    rows = store.conn.execute("SELECT path, commit_sha, commit_author FROM sql_files").fetchall()
    return {path: (sha, author) for path, sha, author in rows}


def tangled_history(work: Work) -> None:
    """Branches merged every way git merges: no-ff, octopus, `-s ours`, a hand-resolved
    conflict, and a side-branch change that the merge threw away."""
    for name in ("orders", "users", "items", "kept", "evil", "dropped"):
        work.write(f"{name}.sql", SQL.format(name=name))
    work.commit("base", author="Ana")
    for branch, name, author in (
        ("b1", "orders", "Bo"),
        ("b2", "users", "Cy"),
        ("b3", "items", "Di"),
    ):
        work.run("checkout", "-q", "-b", branch, "main")
        work.write(f"{name}.sql", SQL.format(name=name) + f"-- {branch}\n")
        work.write(f"{branch}_only.sql", SQL.format(name=branch))
        work.commit(f"{branch} work", author=author)
    work.run("checkout", "-q", "main")
    work.write("kept.sql", SQL.format(name="kept") + "-- on main after branching\n")
    work.commit("main moves on", author="Eve")
    work.merge("b1", author="Fay")  # an ordinary merge: the change is Bo's, not Fay's
    work.merge("b2", "b3", author="Gus")  # octopus
    # A side branch whose change the merge discards (`-s ours`): main's version stays.
    work.run("checkout", "-q", "-b", "discarded", "main")
    work.write("dropped.sql", SQL.format(name="dropped") + "-- never lands\n")
    work.commit("change that is thrown away", author="Hal")
    work.run("checkout", "-q", "main")
    work.merge("discarded", strategy="ours", author="Ivy")
    # A conflict resolved by hand: the merge itself is the change.
    work.run("checkout", "-q", "-b", "side", "main")
    work.write("evil.sql", SQL.format(name="evil") + "-- side\n")
    work.commit("side edit", author="Jo")
    work.run("checkout", "-q", "main")
    work.write("evil.sql", SQL.format(name="evil") + "-- main\n")
    work.commit("main edit", author="Kim")
    with pytest.raises(git.GitCommandError):
        work.merge("side", author="Lu")
    work.write("evil.sql", SQL.format(name="evil") + "-- resolved by hand\n")
    work.commit("resolve", author="Lu")
    work.push()


def test_provenance_across_merges_matches_git_log_for_every_file(work, store, tmp_path):
    tangled_history(work)
    result = sync(work, store, tmp_path)
    assert result.error is None, result.error
    stored = provenance(store)
    expected = {path: work.git_last_change(path) for path in stored}
    assert {path: sha for path, (sha, _) in stored.items()} == expected
    authors = {path: author for path, (_, author) in stored.items()}
    assert authors["orders.sql"] == "Bo"  # through a no-ff merge, not the merger
    assert authors["users.sql"] == "Cy" and authors["items.sql"] == "Di"  # octopus parents
    assert authors["dropped.sql"] == "Ana"  # the discarded side change is not the last change
    assert authors["evil.sql"] == "Lu"  # a hand-resolved conflict is the merge's own change
    assert authors["kept.sql"] == "Eve"
    assert len(stored) == 9


def test_first_parent_history_of_merges_resyncs_incrementally(work, store, tmp_path):
    tangled_history(work)
    sync(work, store, tmp_path)
    work.run("checkout", "-q", "-b", "b4", "main")
    work.write("orders.sql", SQL.format(name="orders_v2"))
    changed = work.commit("b4", author="Max")
    work.run("checkout", "-q", "main")
    work.merge("b4", author="Ned")
    work.push()
    result = sync(work, store, tmp_path)
    assert result.error is None and result.changed == ["orders.sql"]
    assert result.statements_parsed == 1
    assert provenance(store)["orders.sql"] == (changed, "Max")


def test_a_force_push_that_drops_commits_resyncs_and_removes_their_files(work, store, tmp_path):
    work.write("a.sql", SQL.format(name="a"))
    base = work.commit("base")
    work.write("b.sql", SQL.format(name="b"))
    work.commit("b")
    work.push()
    sync(work, store, tmp_path)
    work.run("reset", "-q", "--hard", base)
    work.write("c.sql", SQL.format(name="c"))
    rewritten = work.commit("c instead of b", author="Ola")
    work.push(force=True)
    work.run("reflog", "expire", "--expire=now", "--all")
    work.bare.git.gc("--prune=now")
    result = sync(work, store, tmp_path)
    assert result.error is None and result.rewritten and result.commit == rewritten
    assert sorted(provenance(store)) == ["a.sql", "c.sql"]
    assert [path for path, _ in result.deleted] == ["b.sql"]
    assert provenance(store)["c.sql"] == (rewritten, "Ola")


def test_a_shallow_remote_syncs_and_credits_old_files_to_the_boundary(work, store, tmp_path):
    work.write("old.sql", SQL.format(name="old"))
    work.commit("old", author="Ana")
    work.write("new.sql", SQL.format(name="new"))
    newest = work.commit("new", author="Bo")
    work.push()
    shallow = tmp_path / "shallow.git"
    subprocess.run(
        ["git", "clone", "-q", "--bare", "--depth", "1", work.url, str(shallow)], check=True
    )
    result = sync(work, store, tmp_path, url=shallow.as_uri(), name="shallow")
    assert result.error is None, result.error
    assert provenance(store) == {"old.sql": (newest, "Bo"), "new.sql": (newest, "Bo")}
    assert any("shallow" in w for w in result.warnings)


def test_a_submodule_is_skipped_with_a_note(work, store, tmp_path):
    work.write("a.sql", SQL.format(name="a"))
    other = work.commit("a")
    work.write(".gitmodules", '[submodule "vendor"]\n\tpath = vendor\n\turl = ../vendor.git\n')
    work.run("update-index", "--add", "--cacheinfo", f"160000,{other},vendor")
    work.commit("vendor as a submodule")
    work.push()
    result = sync(work, store, tmp_path)
    assert result.error is None
    assert [w for w in result.warnings if "submodule" in w] == [
        f"vendor: submodule (commit {other[:12]}) skipped: its files live in another repository"
    ]
    assert sorted(provenance(store)) == ["a.sql"]


def test_symlinks_are_never_followed(work, store, tmp_path):
    (tmp_path / "outside.sql").write_text("INSERT INTO leak.outside SELECT * FROM raw.secret;\n")
    work.write("good.sql", SQL.format(name="good"))
    for name, target in (
        ("passwd.sql", "/etc/passwd"),
        ("outside.sql", "../../outside.sql"),
        ("inside.sql", "good.sql"),
    ):
        Path(work.repo.working_dir, name).symlink_to(target)
        work.repo.git.add(name)
    work.commit("links")
    work.push()
    result = sync(work, store, tmp_path)
    assert result.error is None
    assert sorted(result.skipped) == [
        "inside.sql: symbolic link to 'good.sql': not followed",
        "outside.sql: symbolic link to '../../outside.sql': not followed",
        "passwd.sql: symbolic link to '/etc/passwd': not followed",
    ]
    rows = store.conn.execute(
        "SELECT f.path, s.kind, s.error FROM sql_files f JOIN sql_statements s USING (source_key) "
        "WHERE f.path <> 'good.sql' ORDER BY 1"
    ).fetchall()
    assert [(path, kind) for path, kind, _ in rows] == [
        ("inside.sql", "SKIPPED"),
        ("outside.sql", "SKIPPED"),
        ("passwd.sql", "SKIPPED"),
    ]
    tables = {t for (t,) in store.conn.execute("SELECT target_table FROM table_edges").fetchall()}
    assert tables == {"mart.good"}  # nothing read through a link
    dump = str(store.conn.execute("SELECT * FROM sql_statements").fetchall())
    assert "root:" not in dump and "leak.outside" not in dump


LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 12345\n"
)


def test_binary_lfs_odd_encodings_and_large_files_are_reported_not_crashed_on(
    work, store, tmp_path, monkeypatch
):
    work.write("binary.sql", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    work.write("pointer.sql", LFS_POINTER)
    work.write(
        "latin1.sql",
        "INSERT INTO mart.caf\xe9 SELECT id FROM raw.menu; -- caf\xe9\n".encode("latin-1"),
    )
    work.write(
        "utf16.sql", "\ufeffINSERT INTO mart.wide SELECT id FROM raw.wide;\n".encode("utf-16-le")
    )
    work.write("bom.sql", "\ufeffINSERT INTO mart.bom SELECT id FROM raw.bom;\n".encode())
    work.write("large.sql", SQL.format(name="large") * 200)
    work.commit("odd files")
    work.push()
    monkeypatch.setattr(content, "MAX_FILE_BYTES", 4000)
    large = len(SQL.format(name="large")) * 200
    result = sync(work, store, tmp_path)
    assert result.error is None
    assert sorted(result.skipped) == [
        "binary.sql: binary file: not parsed",
        f"large.sql: file is {large} bytes, above the 4000-byte bound",
        "pointer.sql: Git LFS pointer (the object is not fetched): not parsed",
    ]
    assert result.warnings == ["latin1.sql:1: not valid UTF-8; undecodable bytes were replaced"]
    edges = set(store.conn.execute("SELECT source_table, target_table FROM table_edges").fetchall())
    assert {
        ("raw.wide", "mart.wide"),
        ("raw.bom", "mart.bom"),
        ("raw.menu", "mart.caf\ufffd"),
    } <= edges
    errors = store.conn.execute(
        "SELECT f.path, s.start_line, s.error FROM sql_files f JOIN sql_statements s "
        "USING (source_key) WHERE s.kind = 'SKIPPED' ORDER BY 1"
    ).fetchall()
    assert [(p, line) for p, line, _ in errors] == [
        ("binary.sql", 1),
        ("large.sql", 1),
        ("pointer.sql", 1),
    ]
    again = sync(work, store, tmp_path)
    assert again.statements_parsed == 0 and again.unchanged == 6  # reported once, kept


def test_fetch_resolves_merge_heads_and_last_changes_has_one_entry_per_path(work, tmp_path):
    tangled_history(work)
    checkout = fetch(GitSourceConfig(remote=work.url), tmp_path / "cache")
    paths = [f.path for f in checkout.listing()]
    changes = checkout.last_changes([*paths, "no/such/file.sql"])
    assert sorted(changes) == sorted(paths)
    assert all(changes[p].commit_sha == work.git_last_change(p) for p in paths)


def test_odd_file_names_sync_with_provenance(work, store, tmp_path):
    names = [
        "new\nline.sql",
        "\x01ctrl.sql",
        "tab\there.sql",
        "café ü/ñ.sql",
        ":colon.sql",
        "n" * 240 + ".sql",
    ]
    folder = Path(work.repo.working_dir)
    for index, name in enumerate(names):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(SQL.format(name=f"odd{index}"))
    (folder / "latin\xe9.sql".encode("latin-1").decode("utf-8", "surrogateescape")).write_text(
        SQL.format(name="latin")
    )
    work.run("add", "-A")
    sha = work.commit("odd names", author="Uma")
    work.push()
    result = sync(work, store, tmp_path)
    assert result.error is None, result.error
    stored = provenance(store)
    assert set(names) <= set(stored) and "latin\ufffd.sql" in stored
    assert {value for value in stored.values()} == {(sha, "Uma")}
    assert result.statements_parsed == len(names) + 1
    work.run("rm", "-q", "\x01ctrl.sql")
    deleting = work.commit("drop one")
    work.push()
    assert sync(work, store, tmp_path).deleted == [("\x01ctrl.sql", deleting)]


def test_a_master_repository_syncs_with_the_default_ref(tmp_path, store):
    bare = git.Repo.init(tmp_path / "old.git", bare=True, initial_branch="master")
    work = git.Repo.init(tmp_path / "old", initial_branch="master")
    Path(work.working_dir, "a.sql").write_text(SQL.format(name="a"))
    work.index.add(["a.sql"])
    sha = work.index.commit("one").hexsha
    work.create_remote("origin", bare.git_dir).push("HEAD:master")
    config = GitSourceConfig(remote=(tmp_path / "old.git").as_uri())
    result = sync_repository(config, store, tmp_path / "cache")
    assert result.error is None and result.commit == sha
    missing = GitSourceConfig(remote=config.remote, ref="develop")
    assert "ref 'develop' not found" in sync_repository(missing, store, tmp_path / "cache").error


def test_overlapping_fetches_into_one_cache_all_succeed(work, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    tangled_history(work)
    config = GitSourceConfig(remote=work.url)
    with ThreadPoolExecutor(4) as pool:
        commits = list(pool.map(lambda _: fetch(config, tmp_path / "cache").commit_sha, range(4)))
    assert set(commits) == {work.repo.head.commit.hexsha}
