"""Score our dbt lineage against dbt's own `manifest.json` (`dbt parse`) for one project.

`python -m lineage_dev.dbt_score <project dir> <manifest.json> [--target dev --database dev
--schema main --dialect duckdb]` syncs the project's whole git repository into a temporary store
and compares (a) the table edges between the manifest's models, seeds, snapshots and sources
with dbt's `depends_on.nodes`, and (b) each model's relation name, both named by
`relation_name` for the target the manifest was parsed with. Only the root project's models
and snapshots are scored (installed packages are rarely committed).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lineage_assets.git_sql.dbt.naming import relation_name
from lineage_assets.git_sql.dbt.records import Target
from lineage_assets.git_sql.repository import GitSourceConfig
from lineage_assets.git_sql.sync import sync_repository
from lineage_assets.store import LineageStore

RELATION_TYPES = ("model", "seed", "snapshot")
SCORED_TYPES = ("model", "snapshot")

Edge = tuple[str, str]
Stored = tuple[Any, Any, list[str]]  # a dbt_nodes row: relation, error, warnings


@dataclass
class Score:
    """Edge precision/recall, relation-name hits and what went wrong, for one project."""

    models: int = 0
    expected: set[Edge] = field(default_factory=set)
    found: set[Edge] = field(default_factory=set)
    names_right: int = 0
    name_misses: list[str] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    edge_causes: dict[Edge, str] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return len(self.expected & self.found) / len(self.found) if self.found else 1.0

    @property
    def recall(self) -> float:
        return len(self.expected & self.found) / len(self.expected) if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def name_rate(self) -> float:
        return self.names_right / self.models if self.models else 1.0


def manifest_relations(manifest: Mapping[str, Any], target: Target) -> dict[str, str]:
    """Every model, seed, snapshot and source id -> its relation, named as our store names it."""
    names = {
        uid: relation_name(n.get("database"), n.get("schema"), n.get("alias") or n["name"], target)
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] in RELATION_TYPES
    }
    names |= {
        uid: relation_name(s.get("database"), s.get("schema"), s.get("identifier"), target)
        for uid, s in manifest["sources"].items()
    }
    return names


def scored_nodes(
    manifest: Mapping[str, Any], packages: frozenset[str] = frozenset()
) -> dict[str, Mapping[str, Any]]:
    """The models and snapshots of the root project and the given packages (not disabled)."""
    wanted = {manifest["metadata"].get("project_name"), *packages}
    return {
        uid: n
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] in SCORED_TYPES and (None in wanted or n["package_name"] in wanted)
    }


def git_root(path: Path) -> Path:
    """The repository holding a project directory (synced whole, as a team would; only the
    project's own files are scored, as a repository may hold several projects)."""
    top = subprocess.run(
        ["git", "-C", str(path), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(top)


def score(
    project: Path,
    manifest: Mapping[str, Any],
    target: Target,
    dialect: str = "duckdb",
    keep: Path | None = None,
    with_packages: bool = False,
) -> Score:
    """Sync the project into a temporary store (or one kept in `keep`) and compare it with the
    manifest; `with_packages` also scores the packages we found (e.g. `local:` ones) by the
    edges the project's graph declares for them."""
    top = git_root(project)
    inside = project.resolve().relative_to(top.resolve()).as_posix()
    files = "sql:scored/" + ("" if inside == "." else f"{inside}/") + "%"
    result = Score()
    with tempfile.TemporaryDirectory(prefix="dbt-score-") as scratch:
        tmp = keep or Path(scratch)
        config = GitSourceConfig(
            remote=str(top),
            name="scored",
            dialect=dialect,
            dbt_target=target.name,
            dbt_database=target.database or None,
            dbt_schema=target.schema,
        )
        with LineageStore.open(Path(tmp) / "lineage.duckdb") as store:
            synced = sync_repository(config, store, Path(tmp) / "cache")
            if synced.error:
                result.crashes.append(f"sync: {synced.error}")
            result.crashes += [f"failed: {f}" for f in synced.failed_files]
            edges = store.conn.execute(
                "SELECT DISTINCT source_table, target_table FROM table_edges"
                " WHERE source_key LIKE ?",
                [files],
            ).fetchall()
            rows = store.conn.execute(
                "SELECT unique_id, relation, error, warnings, package, depends_on FROM dbt_nodes"
                " WHERE source_key = ?",
                [f"dbt:scored/{inside}"],
            ).fetchall()
    ours = {uid: (rel, err, warns or []) for uid, rel, err, warns, _, _ in rows}
    root = manifest["metadata"].get("project_name")
    found_packages = frozenset(row[4] for row in rows) if with_packages else frozenset()
    # A package's files are statements of their own project (rendered with its own vars), so
    # a package node's edges are the ones the consumer's graph declares for it.
    edges += [
        (up, rel)
        for _, rel, _, _, package, depends in rows
        if package in found_packages and package != root
        for up in depends or []
    ]
    names = manifest_relations(manifest, target)
    scored = scored_nodes(manifest, found_packages)
    result.models = sum(1 for n in scored.values() if n["resource_type"] == "model")
    for uid, node in scored.items():
        rel = names[uid]
        for parent in node["depends_on"]["nodes"]:
            if parent in names:
                result.expected.add((names[parent], rel))
                result.edge_causes[(names[parent], rel)] = _cause(parent, uid, ours, names)
        if node["resource_type"] != "model":
            continue
        got = ours.get(uid, (None, None, []))[0]
        if got == rel:
            result.names_right += 1
        else:
            result.name_misses.append(f"{uid}: ours {got!r}, dbt {rel!r}")
    targets = {names[uid] for uid in scored}
    result.found = {(s, t) for s, t in edges if t in targets}
    return result


def _cause(parent: str, child: str, ours: Mapping[str, Stored], names: Mapping[str, str]) -> str:
    """Why an expected edge could be missing, from what we stored for both ends."""
    if child not in ours:
        return "child not in our dbt_nodes"
    rel, err, warns = ours[child]
    if err:
        return f"child error: {err}"
    if rel != names[child]:
        return f"child named {rel!r}"
    if parent in ours and ours[parent][0] != names[parent]:
        return f"parent named {ours[parent][0]!r}"
    if parent not in ours:
        return "parent not in our dbt_nodes"
    return "ref not recorded" + (f" (warnings: {'; '.join(warns)[:200]})" if warns else "")


def report(result: Score, limit: int = 25) -> str:
    """The figures, then the first misses with their likely cause."""
    lines = [
        f"models {result.models}  expected edges {len(result.expected)}  ours {len(result.found)}",
        f"precision {result.precision:.3f}  recall {result.recall:.3f}  F1 {result.f1:.3f}",
        f"relation names {result.names_right}/{result.models} = {result.name_rate:.3f}",
        f"crashes {len(result.crashes)}",
        *[f"  CRASH {c[:300]}" for c in result.crashes[:limit]],
    ]
    missed = sorted(result.expected - result.found)
    extra = sorted(result.found - result.expected)
    lines += [f"missed edges {len(missed)}"]
    lines += [f"  MISS {s} -> {t}: {result.edge_causes.get((s, t), '')}" for s, t in missed[:limit]]
    lines += [f"extra edges {len(extra)}"] + [f"  EXTRA {s} -> {t}" for s, t in extra[:limit]]
    lines += [f"name misses {len(result.name_misses)}"]
    lines += [f"  NAME {m}" for m in result.name_misses[:limit]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Command line: score one project against one manifest and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("project", type=Path)
    parser.add_argument("manifest", type=Path)
    parser.add_argument("--target", default="dev")
    parser.add_argument("--database", default="dev")
    parser.add_argument("--schema", default="main")
    parser.add_argument("--dialect", default="duckdb")
    parser.add_argument("--limit", type=int, default=25)
    parser.add_argument("--packages", action="store_true", help="score the packages we found")
    parser.add_argument("--keep", type=Path, help="keep the store in this (new) directory")
    args = parser.parse_args(argv)
    manifest = json.loads(args.manifest.read_text())
    target = Target(name=args.target, schema=args.schema, database=args.database)
    if args.keep:
        args.keep.mkdir(parents=True)
    scored = score(args.project, manifest, target, args.dialect, args.keep, args.packages)
    print(report(scored, args.limit))


if __name__ == "__main__":
    main()
