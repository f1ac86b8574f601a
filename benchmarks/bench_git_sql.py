"""SQL from git: a cold sync of a 2,000-file repository, then a sync after a commit that
changes one file, against the engine parsing the same files with no git and no store."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import git

from benchmarks.harness import Result, figure, header, report, seconds, timed
from lineage_assets.git_sql.repository import GitSourceConfig
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


def run(quick: bool = False) -> list[Result]:
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
