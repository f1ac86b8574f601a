"""Incremental sync of a SQL repository into the store.

Files are keyed by path and blob SHA: a sync with no new commit parses nothing, a commit that
changes one file re-parses that file only, deleted files lose their lineage, renamed files
move. A rewritten history (force-push) is detected and answered with a full resync. The
decisions are a pure plan (`plan.plan_sync`); this module gathers its inputs and applies it.

No file stops a sync: a file that cannot be read is stored with an error row saying why, and a
file whose parsing raises (recursion and memory errors included) keeps its last good lineage,
marked stale, with the error naming file and line. If the sync fails as a whole (the remote
cannot be read, the store refuses a write), every file of the repository keeps its last good
lineage, marked stale with the error.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from lineage_assets.git_sql import content
from lineage_assets.git_sql.collect import (
    DBT_INPUTS,
    MAX_SETTING_CHARS,
    DbtContext,
    dbt_context,
    dbt_project_records,
    dbt_settings,
    ignored_dbt_settings,
    parse_file,
    with_dbt_settings,
)
from lineage_assets.git_sql.content import FileContent, load
from lineage_assets.git_sql.plan import DBT_FILES, CheckoutState, StoredState, SyncPlan, plan_sync
from lineage_assets.git_sql.records import ParsedUnit, file_records
from lineage_assets.git_sql.repository import (
    Change,
    Checkout,
    GitSourceConfig,
    GitSourceError,
    RepoFile,
    fetch,
)
from lineage_assets.redact import redact
from lineage_assets.sql import ScriptLineage, StatementLineage
from lineage_assets.store import LineageStore, SourceRecords

BATCH = 200
PREFETCH_BYTES = 32 * 1024 * 1024
SKIPPED_KIND = "SKIPPED"
MAX_ERROR_CHARS = 2000

__all__ = ["DBT_FILES", "SyncResult", "sync_repository"]


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
    parse_errors: list[str] = field(default_factory=list)  # "path:line: message", all errors
    skipped: list[str] = field(default_factory=list)  # "path: reason" (links, binaries, …)
    failed_files: list[str] = field(default_factory=list)  # "path:line: error" (kept stale)
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
            "files_skipped": len(self.skipped),
            "files_failed": len(self.failed_files),
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


# -- the store's side ---------------------------------------------------------------------------


def stored_state(store: LineageStore, config: GitSourceConfig) -> StoredState:
    """The last synced commit and every stored file (blob `None` when not current)."""
    prefix = file_source_key(config, "")
    rows = store.conn.execute(
        "SELECT s.source_key, CASE WHEN s.status = 'ok' THEN f.blob_sha END "
        "FROM sources s LEFT JOIN sql_files f USING (source_key) "
        "WHERE starts_with(s.source_key, ?)",
        [prefix],
    ).fetchall()
    files = {key.removeprefix(prefix): blob for key, blob in rows}
    row = store.conn.execute(
        "SELECT content_hash FROM sources WHERE source_key = ?", [repo_source_key(config)]
    ).fetchone()
    return StoredState(row[0] if row else None, files)


def _mark_repository_stale(
    store: LineageStore, config: GitSourceConfig, message: str, run_id: str | None
) -> None:
    """The sync failed: every file keeps its last good lineage, marked stale."""
    store.mark_failed(repo_source_key(config), "git_repository", message, run_id=run_id)
    keys = store.conn.execute(
        "SELECT source_key FROM sources WHERE starts_with(source_key, ?)",
        [file_source_key(config, "")],
    ).fetchall()
    for (key,) in keys:
        store.mark_failed(key, "sql_file", message, run_id=run_id)


# -- the checkout's side ------------------------------------------------------------------------


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
        and f.path.endswith(DBT_INPUTS)
    ]
    texts = {}
    for chunk in prefetch_chunks(relevant):
        blobs = checkout.read_blobs(f.blob_sha for f in chunk if _worth_prefetching(f))
        reader = _Reader(checkout, blobs)
        for file in chunk:
            loaded = load(file, reader.read)
            if loaded.text is not None:
                texts[file.path] = loaded.text
    return dbt_context(texts, dbt_settings(config))


def checkout_state(
    checkout: Checkout, config: GitSourceConfig, stored: StoredState, context: DbtContext
) -> CheckoutState:
    """The planning facts of the checkout: wanted files, rewrite, paths changed, dbt models."""
    files = {f.path: f for f in checkout.files(config)}
    yaml_nodes = context.node_yaml_files()
    if yaml_nodes:  # dbt snapshots defined in YAML: their file is their statement
        anywhere = replace(config, include=("*",))
        listed = checkout.listing()
        files |= {f.path: f for f in listed if f.path in yaml_nodes and anywhere.wants(f.path)}
    rewritten = bool(stored.commit and not checkout.is_ancestor(stored.commit, checkout.commit_sha))
    changed = None
    if stored.commit and not rewritten:
        listed = checkout.changed_since(stored.commit)
        changed = frozenset(listed) if listed is not None else None
    return CheckoutState(
        commit=checkout.commit_sha,
        files=files,
        rewritten=rewritten,
        changed_paths=changed,
        dbt_models=frozenset(p for p in files if context.project_of(p)),
        dbt_inputs=context.shared_inputs(),
    )


def _notes(checkout: Checkout, config: GitSourceConfig) -> list[str]:
    """What the sync cannot see, said once: submodules and a shallow history."""
    notes = [
        f"{s.path}: submodule (commit {s.commit_sha[:12]}) skipped: its files live in "
        "another repository"
        for s in checkout.submodules()
        if not config.subdirectory or s.path.startswith(config.subdirectory.strip("/") + "/")
    ]
    if checkout.is_shallow:
        notes.append(
            "the history is shallow: files older than its boundary are credited to the "
            "boundary commit"
        )
    return notes


# -- one file -----------------------------------------------------------------------------------


def _error_unit(kind: str, message: str, line: int = 1) -> ParsedUnit:
    """A file-level outcome (a skipped file) reported like a statement with an error."""
    statement = StatementLineage(
        kind=kind, targets=[], sources=[], column_lineage=[],
        start_line=line, end_line=line, error=message,
    )  # fmt: skip
    return ParsedUnit(ScriptLineage([], [], [], [statement], []))


def error_line(error: BaseException) -> int:
    """The line an exception points at, when it knows one (Jinja, YAML, Python syntax)."""
    for attribute in ("lineno", "line"):
        value = getattr(error, attribute, None)
        if isinstance(value, int) and value > 0:
            return value
    mark = getattr(error, "problem_mark", None)  # YAML
    return int(getattr(mark, "line", 0)) + 1 if mark is not None else 1


def describe(error: BaseException, secrets: list[str | None]) -> str:
    """An exception as one bounded line, with secrets masked."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    message = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return redact(message[:MAX_ERROR_CHARS], secrets)


def _records(
    config: GitSourceConfig,
    file: RepoFile,
    change: Change | None,
    units: list[ParsedUnit],
) -> SourceRecords:
    return file_records(
        file_source_key(config, file.path),
        config.public_remote,
        file.path,
        file.blob_sha,
        change,
        units,
    )


def _bounded_warnings(path: str, warnings: list[str]) -> list[str]:
    """At most `MAX_WARNINGS_PER_FILE` of a file's warnings, then how many more there were (each
    becomes a log line: a template could otherwise emit one per loop turn)."""
    if len(warnings) <= MAX_WARNINGS_PER_FILE:
        return warnings
    more = len(warnings) - MAX_WARNINGS_PER_FILE
    return [*warnings[:MAX_WARNINGS_PER_FILE], f"{path}: {more:,} more warnings not shown"]


def _parse(
    checkout: Checkout | _Reader,
    config: GitSourceConfig,
    file: RepoFile,
    changes: dict[str, Change],
    context: DbtContext,
    result: SyncResult,
) -> SourceRecords:
    """One file's records; its statement errors and warnings are added to `result`."""
    loaded: FileContent = load(file, checkout.read)
    result.warnings += loaded.warnings
    if loaded.text is None:
        reason = loaded.skipped or "not read"
        result.skipped.append(f"{file.path}: {reason}")
        result.parse_errors.append(f"{file.path}:1: {reason}")
        return _records(config, file, changes.get(file.path), [_error_unit(SKIPPED_KIND, reason)])
    units, warnings = parse_file(file.path, loaded.text, config.dialect_for(file.path), context)
    result.warnings += _bounded_warnings(file.path, warnings)
    records = _records(config, file, changes.get(file.path), units)
    statements = records.rows["sql_statements"]
    result.statements_parsed += len(statements)
    result.parse_errors += [
        f"{file.path}:{s['start_line']}: {s['error']}" for s in statements if s["error"]
    ]
    return records


def _parsed_batches(
    checkout: Checkout,
    config: GitSourceConfig,
    plan: SyncPlan,
    context: DbtContext,
    result: SyncResult,
    failures: dict[str, str],
) -> Iterator[list[SourceRecords]]:
    """Parsed files in batches; a file whose parsing raises is left out and named in `failures`."""
    changes = checkout.last_changes(f.path for f in plan.parse)
    for chunk in prefetch_chunks(plan.parse):
        blobs = checkout.read_blobs(f.blob_sha for f in chunk if _worth_prefetching(f))
        reader = _Reader(checkout, blobs)
        batch: list[SourceRecords] = []
        for file in chunk:
            try:
                batch.append(_parse(reader, config, file, changes, context, result))
            except Exception as error:
                failures[file.path] = (
                    f"{file.path}:{error_line(error)}: {describe(error, [config.token])}"
                )
        del blobs, reader
        if batch:
            yield batch


def prefetch_chunks(files: Iterable[RepoFile]) -> Iterator[list[RepoFile]]:
    """Files in groups of at most `BATCH` files and `PREFETCH_BYTES` bytes of content."""
    chunk: list[RepoFile] = []
    size = 0
    for file in files:
        weight = file.size if _worth_prefetching(file) else 0
        if chunk and (len(chunk) >= BATCH or size + weight > PREFETCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(file)
        size += weight
    if chunk:
        yield chunk


def _worth_prefetching(file: RepoFile) -> bool:
    """Whether a file's blob is read with its group (known size, within the byte bound)."""
    return file.size is not None and file.size <= content.MAX_FILE_BYTES


@dataclass(frozen=True)
class _Reader:
    """Blob contents from a prefetched group, else from the repository one by one."""

    checkout: Checkout
    blobs: dict[str, bytes]

    def read(self, blob_sha: str) -> bytes:
        found = self.blobs.get(blob_sha)
        return found if found is not None else self.checkout.read(blob_sha)


def _write(
    store: LineageStore,
    batch: list[SourceRecords],
    run_id: str | None,
    failures: dict[str, str],
    paths: dict[str, str],
) -> None:
    """Write a batch in one transaction; if it is refused, each file alone, naming the bad one."""
    try:
        store.replace_sources(batch, run_id)
        return
    except Exception:
        pass
    for records in batch:
        try:
            store.replace_source(records, run_id)
        except Exception as error:
            path = paths[records.source_key]
            failures[path] = f"{path}:1: the store refused the file's rows: {describe(error, [])}"


# -- the sync -----------------------------------------------------------------------------------


def sync_repository(
    config: GitSourceConfig, store: LineageStore, cache_root: Path, run_id: str | None = None
) -> SyncResult:
    """Fetch, plan against what the store holds, parse what changed, write it, drop what went."""
    result = SyncResult(remote=config.public_remote)
    try:
        checkout = fetch(config, cache_root)
        _apply(checkout, config, store, run_id, result)
    except Exception as error:
        result.error = (
            str(error) if isinstance(error, GitSourceError) else describe(error, [config.token])
        )
        _mark_repository_stale(store, config, result.error, run_id)
    return result


def _apply(
    checkout: Checkout,
    config: GitSourceConfig,
    store: LineageStore,
    run_id: str | None,
    result: SyncResult,
) -> None:
    """Plan the sync of a fetched checkout and carry the plan out."""
    config = with_repository_settings(config, checkout, result.warnings)
    stored = stored_state(store, config)
    context, problems = _dbt_context(checkout, config)
    result.warnings += problems + _notes(checkout, config)
    facts = checkout_state(checkout, config, stored, context)
    plan = plan_sync(stored, facts)
    result.commit, result.previous_commit, result.rewritten = (
        checkout.commit_sha,
        stored.commit,
        facts.rewritten,
    )
    result.added, result.changed = list(plan.added), list(plan.changed)
    result.renamed, result.unchanged = list(plan.renamed), plan.unchanged

    failures: dict[str, str] = {}
    paths = {file_source_key(config, f.path): f.path for f in plan.parse}
    for batch in _parsed_batches(checkout, config, plan, context, result, failures):
        _write(store, batch, run_id, failures, paths)
    for path, message in sorted(failures.items()):
        result.failed_files.append(message)
        result.parse_errors.append(message)
        store.mark_failed(
            file_source_key(config, path),
            "sql_file",
            message,
            run_id=run_id,
            error_type="file_failed",
            location=message.split(": ", 1)[0],
        )
    for path in plan.remove:
        store.remove_source(file_source_key(config, path))
    for records in dbt_project_records(context, config.repo_name):
        store.replace_source(records, run_id)
    deleting = checkout.deleting_commits(stored.commit, plan.deleted)
    result.deleted = [(path, deleting.get(path)) for path in plan.deleted]
    store.replace_source(
        SourceRecords(
            repo_source_key(config),
            "git_repository",
            config.public_remote,
            content_hash=checkout.commit_sha,
        ),
        run_id,
    )


SETTINGS_FILE = ".lineage.toml"
MAX_WARNINGS_PER_FILE = 100
# Every file is matched against every pattern (50,000 patterns: 5 s per file), so a repository
# may declare only a few, each of bounded length.
MAX_DIALECT_OVERRIDES = 100
MAX_PATTERN = 500
MAX_DIALECT_NAME = 64  # stored with every file (a 1 MB name: 571 MB of store for 100 files)


def with_repository_settings(
    config: GitSourceConfig, checkout: Checkout, problems: list[str] | None = None
) -> GitSourceConfig:
    """Dialects declared in the repository's `.lineage.toml` fill what the config leaves open:

    [sql]
    dialect = "athena"
    [sql.dialects]
    "redshift/*" = "redshift"
    [dbt]
    target = "prod"      # with schema/database: the target dbt models are named for

    A settings file that cannot be read is reported in `problems` and ignored.
    """
    root = f"{config.subdirectory.strip('/')}/" if config.subdirectory else ""
    entry = next((f for f in checkout.listing() if f.path == root + SETTINGS_FILE), None)
    if entry is None:
        return config
    loaded = load(entry, checkout.read)
    try:
        document = tomllib.loads(loaded.text or "")
    except (ValueError, RecursionError, MemoryError) as error:  # TOMLDecodeError, 5,000-digit ints
        if problems is not None:
            problems.append(f"{entry.path}:{error_line(error)}: ignored: {describe(error, [])}")
        return config
    config = with_dbt_settings(config, document.get("dbt"))
    for key in ignored_dbt_settings(document.get("dbt")):
        if problems is not None:
            why = (
                "only the configuration (sql_repo dbt_env_allow) lets templates read environment "
                "variables"
                if key == "env_allow"
                else f"longer than {MAX_SETTING_CHARS} characters"
            )
            problems.append(f"{entry.path}: [dbt] {key} ignored: {why}")
    settings = document.get("sql", {})
    if not isinstance(settings, dict):
        return config
    dialects = settings.get("dialects")
    overrides = (
        tuple(
            (str(k), str(v))
            for k, v in (dialects or {}).items()
            if len(str(k)) <= MAX_PATTERN and len(str(v)) <= MAX_DIALECT_NAME
        )
        if isinstance(dialects, dict)
        else ()
    )
    if isinstance(dialects, dict) and len(overrides) != len(dialects) and problems is not None:
        problems.append(
            f"{entry.path}: [sql.dialects] patterns over {MAX_PATTERN} chars ignored, "
            f"and dialect names over {MAX_DIALECT_NAME}"
        )
    if len(overrides) > MAX_DIALECT_OVERRIDES:
        if problems is not None:
            problems.append(
                f"{entry.path}: [sql.dialects] has {len(overrides):,} patterns; "
                f"the first {MAX_DIALECT_OVERRIDES} are used"
            )
        overrides = overrides[:MAX_DIALECT_OVERRIDES]
    dialect = settings.get("dialect")
    if dialect and len(str(dialect)) > MAX_DIALECT_NAME:
        if problems is not None:
            problems.append(f"{entry.path}: [sql] dialect over {MAX_DIALECT_NAME} chars ignored")
        dialect = None
    return replace(
        config,
        dialect=config.dialect or (str(dialect) if dialect else None),
        dialect_overrides=config.dialect_overrides + overrides,
    )
