"""SQL from git: a cold sync of a 2,000-file repository, then a sync after a commit that
changes one file, against the engine parsing the same files with no git and no store; and the
provenance walk over a history full of merges, against git printing that history's diffs."""

from __future__ import annotations

import random
import subprocess
import tempfile
from pathlib import Path

import git

from benchmarks.harness import Result, figure, header, median_time, report, seconds, timed
from lineage_assets.git_sql.repository import GitSourceConfig, fetch
from lineage_assets.git_sql.sync import sync_repository
from lineage_assets.sql import extract_lineage
from lineage_assets.store import LineageStore

ACTOR = git.Actor("Bench", "bench@example.com")


def synthetic_sql(index: int, rng: random.Random) -> str:
    """A realistic small model: a CTE, a join, an aggregate, a CASE, 3 statements."""
    a, b = f"raw.t{rng.randrange(300)}", f"raw.t{rng.randrange(300)}"
    return (
        f"-- model {index}\n"  # noqa: S608 - SQL text for the parser, never executed
        f"CREATE TABLE stage.s{index} AS\n"
        f"WITH recent AS (SELECT id, amount, ts FROM {a} WHERE ts > current_date - 7)\n"
        f"SELECT r.id, sum(r.amount) AS total, max(b.name) AS name,\n"
        f"       CASE WHEN count(*) > 3 THEN 'hot' ELSE 'cold' END AS tier\n"
        f"FROM recent r JOIN {b} b ON b.id = r.id GROUP BY r.id;\n"
        f"INSERT INTO mart.m{index} (id, total) SELECT id, total FROM stage.s{index};\n"
        f"DROP TABLE stage.s{index};\n"
    )


def build_repository(root: Path, files: int) -> tuple[str, git.Repo]:
    """A bare remote holding `files` SQL files in one commit, and its working clone."""
    rng = random.Random(7)
    bare = git.Repo.init(root / "remote.git", bare=True, initial_branch="main")
    work = git.Repo.init(root / "work", initial_branch="main")
    paths = []
    for index in range(files):
        path = Path(work.working_dir, f"models/d{index % 40}/m{index}.sql")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(synthetic_sql(index, rng))
        paths.append(str(path))
    work.index.add(paths)
    work.index.commit("models", author=ACTOR, committer=ACTOR)
    work.create_remote("origin", bare.git_dir).push("HEAD:main")
    return (root / "remote.git").as_uri(), work


def _blob(mark: int, text: str) -> str:
    data = text.encode()
    return f"blob\nmark :{mark}\ndata {len(data)}\n{text}\n"


def merge_history(commits: int, files: int, rng: random.Random) -> str:
    """A `git fast-import` stream: a main line where every 5th commit merges a topic branch
    (every 25th an octopus of three), each commit editing a few of `files` files."""
    out, mark = [], 0
    tips: dict[str, int] = {}

    def commit(branch: str, parents: list[int], edits: int) -> int:
        nonlocal mark
        lines = []
        for _ in range(edits):
            mark += 1
            path = f"models/d{rng.randrange(files) % 40}/m{rng.randrange(files)}.sql"
            sql = f"SELECT {mark} AS v FROM raw.t{mark % 300};\n"  # noqa: S608 - parsed only
            out.append(_blob(mark, sql))
            lines.append(f"M 100644 :{mark} {path}")
        mark += 1
        when = 1_700_000_000 + mark
        header = [f"commit refs/heads/{branch}", f"mark :{mark}"]
        header += [f"author A{mark % 17} <a@x> {when} +0000", f"committer C <c@x> {when} +0000"]
        header += ["data 2", "c"]
        if parents:
            header.append(f"from :{parents[0]}")
        header += [f"merge :{p}" for p in parents[1:]]
        out.append("\n".join(header + lines) + "\n\n")
        tips[branch] = mark
        return mark

    main = commit("main", [], files)
    for index in range(commits):
        if index % 5 == 4:
            topics = 3 if index % 25 == 24 else 1
            heads = [commit(f"t{index}_{k}", [main], rng.randrange(1, 4)) for k in range(topics)]
            main = commit("main", [main, *heads], 0)
        else:
            main = commit("main", [main], rng.randrange(1, 4))
    return "".join(out)


def run_history(quick: bool) -> list[Result]:
    """Provenance of every file in one walk, against git printing every diff of the history
    once (`git log -m --raw`), and against asking git once per file (`git log -1 -- path`)."""
    commits, files = (300, 200) if quick else (3000, 1500)
    name = "git_history"
    header(name, f"provenance over {commits:,} commits with merges and octopus merges")
    with tempfile.TemporaryDirectory() as folder:
        remote = Path(folder, "remote.git")
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        stream = merge_history(commits, files, random.Random(11))
        subprocess.run(
            ["git", "--git-dir", str(remote), "fast-import", "--quiet"],
            input=stream.encode(),
            check=True,
        )
        checkout = fetch(GitSourceConfig(remote=remote.as_uri()), Path(folder, "cache"))
        paths = [f.path for f in checkout.listing()]
        git_dir, head = ["git", "--git-dir", checkout.repo.git_dir], checkout.commit_sha
        reference_s = median_time(
            lambda: subprocess.run(
                [*git_dir, "log", "-m", "--raw", "--no-abbrev", "--format=%H", head],
                capture_output=True,
                check=True,
            ),
            repeat=5,
        )
        walk_s = median_time(lambda: checkout.last_changes(paths), repeat=5)
        changes = checkout.last_changes(paths)
        sample = paths[:: max(1, len(paths) // 40)]
        per_file_s, _ = timed(
            lambda: [
                subprocess.run(
                    [*git_dir, "log", "-1", "--format=%H", head, "--", p],
                    capture_output=True,
                    check=True,
                )
                for p in sample
            ]
        )
    per_file_total = per_file_s / len(sample) * len(paths)
    figure("git log -m --raw of the whole history (reference)", seconds(reference_s))
    figure("provenance of every file, one walk", f"{seconds(walk_s)}, {len(changes):,} files")
    figure("one git call per file (extrapolated)", seconds(per_file_total))
    return [
        report(Result(name, "provenance walk ÷ git log -m --raw", walk_s / reference_s, 2.0)),
        report(Result(name, "provenance walk ÷ one git call per file", walk_s / per_file_total)),
    ]


def run(quick: bool = False) -> list[Result]:
    """Cold sync, one-file sync, the engine alone on the same files; the provenance walk."""
    return run_sync(quick) + run_history(quick)


def run_sync(quick: bool = False) -> list[Result]:
    """Cold sync, one-file sync, and the engine alone on the same files."""
    files = 200 if quick else 2000
    name = "git_sql"
    header(name, f"sync of a {files:,}-file SQL repository")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        url, work = build_repository(root, files)
        config = GitSourceConfig(remote=url, dialect="athena")
        texts = [p.read_text() for p in sorted(Path(work.working_dir, "models").rglob("*.sql"))]
        for text in texts[:50]:  # warm sqlglot's caches so the reference is not penalised
            extract_lineage(text, "athena")
        engine_s, _ = timed(lambda: [extract_lineage(t, "athena") for t in texts])
        with LineageStore.open(root / "lineage.duckdb") as store:
            cold_s, cold = timed(lambda: sync_repository(config, store, root / "cache"))
            target = Path(work.working_dir, "models/d3/m3.sql")
            target.write_text(target.read_text().replace("raw.", "raw_v2.", 1))
            work.index.add([str(target)])
            work.index.commit("one change", author=ACTOR, committer=ACTOR)
            work.remote("origin").push("HEAD:main")
            warm_s, warm = timed(lambda: sync_repository(config, store, root / "cache"))
            idle_s, idle = timed(lambda: sync_repository(config, store, root / "cache"))
    figure("engine alone on the same files (reference)", seconds(engine_s))
    figure("cold sync", f"{seconds(cold_s)}, {cold.statements_parsed:,} statements parsed")
    figure("sync after a one-file commit", f"{seconds(warm_s)}, {warm.statements_parsed} parsed")
    figure("sync with no new commit", f"{seconds(idle_s)}, {idle.statements_parsed} parsed")
    return [
        report(Result(name, "cold sync ÷ engine alone", cold_s / engine_s, 2.0)),
        report(Result(name, "one-file sync ÷ cold sync", warm_s / cold_s, 0.1)),
    ]
