"""Incremental sync of a SQL repository into the store.

Files are keyed by path and blob SHA: a sync with no new commit parses nothing, a commit that
changes one file re-parses that file only, deleted files lose their lineage, renamed files
move. A rewritten history (force-push) is detected and answered with a full resync. If the
remote cannot be read, the last good lineage stays, marked stale.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from git.exc import GitError

from lineage_assets.git_sql.collect import DbtContext, dbt_context, parse_file
from lineage_assets.git_sql.records import file_records
from lineage_assets.git_sql.repository import (
    Checkout,
    GitSourceConfig,
    GitSourceError,
    RepoFile,
    fetch,
)
from lineage_assets.store import LineageStore, SourceRecords

BATCH = 200
DBT_FILES = ("dbt_project.yml", ".yml", ".yaml")


@dataclass
class SyncResult:
    """What a sync did, for Dagster metadata and the CLI summary."""

    remote: str
    commit: str | None = None
    previous_commit: str | None = None
    rewritten: bool = False
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    deleted: list[tuple[str, str | None]] = field(default_factory=list)  # (path, commit)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old, new)
    unchanged: int = 0
    statements_parsed: int = 0
    parse_errors: list[str] = field(default_factory=list)  # "path:line: message"
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> dict[str, object]:
        """Counts and identifiers, small enough for metadata and a terminal."""
        return {
            "remote": self.remote,
            "commit": self.commit,
            "previous_commit": self.previous_commit,
            "history_rewritten": self.rewritten,
            "files_added": len(self.added),
            "files_changed": len(self.changed),
            "files_deleted": len(self.deleted),
            "files_renamed": len(self.renamed),
            "files_unchanged": self.unchanged,
            "statements_parsed": self.statements_parsed,
            "parse_errors": len(self.parse_errors),
            "error": self.error,
        }


def repo_source_key(config: GitSourceConfig) -> str:
    """The store key that remembers which commit a repository was last synced at."""
    return f"git:{config.repo_name}"


def file_source_key(config: GitSourceConfig, path: str) -> str:
    """The store key of one file's lineage."""
    return f"sql:{config.repo_name}/{path}"


def _stored_files(store: LineageStore, config: GitSourceConfig) -> dict[str, str]:
    """path → blob SHA of the files stored for this repository (failed files excluded)."""
    rows = store.conn.execute(
        "SELECT f.path, f.blob_sha FROM sql_files f JOIN sources s USING (source_key) "
        "WHERE starts_with(f.source_key, ?) AND s.status = 'ok'",
        [file_source_key(config, "")],
    ).fetchall()
    return dict(rows)


def _stored_commit(store: LineageStore, config: GitSourceConfig) -> str | None:
    row = store.conn.execute(
        "SELECT content_hash FROM sources WHERE source_key = ?", [repo_source_key(config)]
    ).fetchone()
    return row[0] if row else None


def _mark_repository_stale(
    store: LineageStore, config: GitSourceConfig, message: str, run_id: str | None
) -> None:
    """The remote failed: every file keeps its last good lineage, marked stale."""
    store.mark_failed(repo_source_key(config), "git_repository", message, run_id=run_id)
    keys = store.conn.execute(
        "SELECT source_key FROM sources WHERE starts_with(source_key, ?)",
        [file_source_key(config, "")],
    ).fetchall()
    for (key,) in keys:
        store.mark_failed(key, "sql_file", message, run_id=run_id)


def _dbt_context(checkout: Checkout, config: GitSourceConfig) -> tuple[DbtContext, list[str]]:
    """dbt projects at the commit (their YAML is read even if not an included file)."""
    listing = checkout.listing()
    roots = {str(Path(f.path).parent) for f in listing if f.path.endswith("dbt_project.yml")}
    if not roots:
        return DbtContext(), []
    relevant = [
        f
        for f in listing
        if any(f.path.startswith(r if r != "." else "") for r in roots)
        and f.path.endswith((".sql", *DBT_FILES))
    ]
    texts = {f.path: checkout.read(f.blob_sha).decode("utf-8", "replace") for f in relevant}
    return dbt_context(texts)


def _batches(items: list[SourceRecords]) -> Iterator[list[SourceRecords]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


def sync_repository(
    config: GitSourceConfig, store: LineageStore, cache_root: Path, run_id: str | None = None
) -> SyncResult:
    """Fetch, diff against what the store holds, parse what changed, write it, drop what went."""
    result = SyncResult(remote=config.public_remote)
    try:
        checkout = fetch(config, cache_root)
    except GitSourceError as error:
        result.error = str(error)
        _mark_repository_stale(store, config, result.error, run_id)
        return result
    config = with_repository_settings(config, checkout)
    result.commit = checkout.commit_sha
    result.previous_commit = _stored_commit(store, config)
    result.rewritten = bool(
        result.previous_commit
        and not checkout.is_ancestor(result.previous_commit, checkout.commit_sha)
    )
    current = {f.path: f for f in checkout.files(config)}
    stored = _stored_files(store, config)
    # After a history rewrite nothing stored is trusted: every file is parsed again.
    to_parse = [f for p, f in current.items() if result.rewritten or stored.get(p) != f.blob_sha]
    context, problems = _dbt_context(checkout, config)
    result.warnings += problems
    if any(f.path.endswith(DBT_FILES) for f in to_parse) or _dbt_changed(checkout, result):
        to_parse += [f for p, f in current.items() if context.project_of(p) and f not in to_parse]
    gone = [p for p in stored if p not in current]
    moved_from = {stored[p]: p for p in gone}
    for file in to_parse:
        if file.path in stored:
            result.changed.append(file.path)
        elif file.blob_sha in moved_from:
            result.renamed.append((moved_from.pop(file.blob_sha), file.path))
        else:
            result.added.append(file.path)
    result.unchanged = len(current) - len(to_parse)

    changes = checkout.last_changes(f.path for f in to_parse)
    parsed = [_parse(checkout, config, f, changes, context, result) for f in to_parse]
    for batch in _batches(parsed):
        store.replace_sources(batch, run_id)
    for path in gone:
        store.remove_source(file_source_key(config, path))
        if path not in {old for old, _ in result.renamed}:
            result.deleted.append((path, checkout.deleting_commit(result.previous_commit, path)))
    store.replace_source(
        SourceRecords(
            repo_source_key(config),
            "git_repository",
            config.public_remote,
            content_hash=checkout.commit_sha,
        ),
        run_id,
    )
    return result


SETTINGS_FILE = ".lineage.toml"


def with_repository_settings(config: GitSourceConfig, checkout: Checkout) -> GitSourceConfig:
    """Dialects declared in the repository's `.lineage.toml` fill what the config leaves open:

    [sql]
    dialect = "athena"
    [sql.dialects]
    "redshift/*" = "redshift"
    """
    root = f"{config.subdirectory.strip('/')}/" if config.subdirectory else ""
    entry = next((f for f in checkout.listing() if f.path == root + SETTINGS_FILE), None)
    if entry is None:
        return config
    try:
        settings = tomllib.loads(checkout.read(entry.blob_sha).decode()).get("sql", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return config
    overrides = tuple((str(k), str(v)) for k, v in (settings.get("dialects") or {}).items())
    return replace(
        config,
        dialect=config.dialect or settings.get("dialect"),
        dialect_overrides=config.dialect_overrides + overrides,
    )


def _dbt_changed(checkout: Checkout, result: SyncResult) -> bool:
    """Whether a dbt YAML file changed since the last sync (it changes every model's refs)."""
    if not result.previous_commit or result.rewritten:
        return False
    try:
        names = checkout.repo.git.diff(
            "--name-only", result.previous_commit, checkout.commit_sha
        ).splitlines()
    except GitError:  # an unreadable diff only costs a re-parse of the dbt models
        return True
    return any(name.endswith(DBT_FILES) for name in names)


def _parse(
    checkout: Checkout,
    config: GitSourceConfig,
    file: RepoFile,
    changes: dict,
    context: DbtContext,
    result: SyncResult,
) -> SourceRecords:
    """One file's records; its statement errors and warnings are added to `result`."""
    text = checkout.read(file.blob_sha).decode("utf-8", "replace")
    units, warnings = parse_file(file.path, text, config.dialect_for(file.path), context)
    result.warnings += warnings
    records = file_records(
        file_source_key(config, file.path),
        config.public_remote,
        file.path,
        file.blob_sha,
        changes.get(file.path),
        units,
        text.splitlines(),
    )
    statements = records.rows["sql_statements"]
    result.statements_parsed += len(statements)
    result.parse_errors += [
        f"{file.path}:{s['start_line']}: {s['error']}" for s in statements if s["error"]
    ]
    return records
