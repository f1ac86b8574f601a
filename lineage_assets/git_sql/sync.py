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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from lineage_assets.git_sql import content, ids, views
from lineage_assets.git_sql.collect import (
    DBT_INPUTS,
    DbtContext,
    dbt_context,
    dbt_project_records,
    dbt_settings,
    parse_file,
)
from lineage_assets.git_sql.content import FileContent, load
from lineage_assets.git_sql.dbt.project import outside_folders
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
from lineage_assets.git_sql.settings import apply_settings, parse_settings, settings_path
from lineage_assets.redact import redact
from lineage_assets.sql import ScriptLineage, StatementLineage
from lineage_assets.store import LineageStore, SourceRecords

BATCH = 200
PREFETCH_BYTES = 32 * 1024 * 1024
SKIPPED_KIND = "SKIPPED"
MAX_ERROR_CHARS = 2000
MAX_WARNINGS_PER_FILE = 100

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
    return ids.repository_key(config.repo_name)


def file_source_key(config: GitSourceConfig, path: str) -> str:
    """The store key of one file's lineage."""
    return ids.file_key(config.repo_name, path)


# -- the store's side ---------------------------------------------------------------------------


def _mark_repository_stale(
    store: LineageStore, config: GitSourceConfig, message: str, run_id: str | None
) -> None:
    """The sync failed: every file keeps its last good lineage, marked stale."""
    store.mark_failed(repo_source_key(config), "git_repository", message, run_id=run_id)
    for key in views.file_keys(store.conn, config.repo_name):
        store.mark_failed(key, "sql_file", message, run_id=run_id)


# -- the checkout's side ------------------------------------------------------------------------


def _dbt_context(checkout: Checkout, config: GitSourceConfig) -> tuple[DbtContext, list[str]]:
    """dbt projects at the commit (their YAML is read even if not an included file)."""
    listing = checkout.listing()
    roots = {str(Path(f.path).parent) for f in listing if f.path.endswith("dbt_project.yml")}
    if not roots:
        return DbtContext(), []
    texts = _texts(checkout, [f for f in listing if f.path.endswith("dbt_project.yml")])
    folders = {f"{r}/" if r != "." else "" for r in roots}
    folders |= {f"{f}/" for path, text in texts.items() for f in outside_folders(path, text)}
    relevant = [
        f
        for f in listing
        if any(f.path.startswith(folder) for folder in folders)
        and f.path.endswith(DBT_INPUTS)
        and f.path not in texts
    ]
    texts |= _texts(checkout, relevant)
    return dbt_context(texts, dbt_settings(config))


def _texts(checkout: Checkout, files: Iterable[RepoFile]) -> dict[str, str]:
    """The text of each of `files` that loads as text, by path."""
    texts: dict[str, str] = {}
    for chunk, reader in _prefetched(checkout, files):
        for file in chunk:
            loaded = load(file, reader.read)
            if loaded.text is not None:
                texts[file.path] = loaded.text
        del reader
    return texts


def checkout_state(
    checkout: Checkout, config: GitSourceConfig, stored: StoredState, context: DbtContext
) -> CheckoutState:
    """The planning facts of the checkout: wanted files, rewrite, paths changed, dbt models."""
    files = {f.path: f for f in checkout.files(config)}
    yaml_nodes = context.node_yaml_files()
    if yaml_nodes:  # dbt snapshots defined in YAML: their file is their statement
        anywhere = replace(config, include=("*",))
        listing = checkout.listing()
        files |= {f.path: f for f in listing if f.path in yaml_nodes and anywhere.wants(f.path)}
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
    for chunk, reader in _prefetched(checkout, plan.parse):
        batch: list[SourceRecords] = []
        for file in chunk:
            try:
                batch.append(_parse(reader, config, file, changes, context, result))
            except Exception as error:
                failures[file.path] = (
                    f"{file.path}:{error_line(error)}: {describe(error, [config.token])}"
                )
        del reader
        if batch:
            yield batch


def prefetch_chunks(files: Iterable[RepoFile]) -> Iterator[list[RepoFile]]:
    """Files in groups of at most `BATCH` files and `PREFETCH_BYTES` bytes of content."""
    chunk: list[RepoFile] = []
    size = 0
    for file in files:
        weight = file.size if file.size is not None and _worth_prefetching(file) else 0
        if chunk and (len(chunk) >= BATCH or size + weight > PREFETCH_BYTES):
            yield chunk
            chunk, size = [], 0
        chunk.append(file)
        size += weight
    if chunk:
        yield chunk


def _prefetched(
    checkout: Checkout, files: Iterable[RepoFile]
) -> Iterator[tuple[list[RepoFile], _Reader]]:
    """Files in bounded groups, each with a reader holding the group's blobs."""
    for chunk in prefetch_chunks(files):
        reader = _Reader(
            checkout, checkout.read_blobs(f.blob_sha for f in chunk if _worth_prefetching(f))
        )
        yield chunk, reader
        del reader  # one group's blobs in memory at a time (the caller drops its reference too)


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


# -- what is written once the files are parsed: a pure plan ------------------------------------


@dataclass(frozen=True)
class FileFailure:
    """A file whose parsing raised or whose rows the store refused: marked failed (or stale)."""

    source_key: str
    message: str  # "path:line: error"
    location: str  # "path:line"


@dataclass(frozen=True)
class Completion:
    """The store writes that close a sync, in order: failed files, removed files, then the
    repository's record at its commit (which makes the sync the last synced one)."""

    failed: tuple[FileFailure, ...]
    removed: tuple[str, ...]
    repository_key: str
    remote: str
    commit: str


def completion(
    config: GitSourceConfig, plan: SyncPlan, failures: dict[str, str], commit: str
) -> Completion:
    """What to write after parsing: every failure by path, every path gone, the new commit."""
    failed = tuple(
        FileFailure(file_source_key(config, path), message, message.split(": ", 1)[0])
        for path, message in sorted(failures.items())
    )
    return Completion(
        failed=failed,
        removed=tuple(file_source_key(config, path) for path in plan.remove),
        repository_key=repo_source_key(config),
        remote=config.public_remote,
        commit=commit,
    )


def record_plan(
    result: SyncResult, stored: StoredState, facts: CheckoutState, plan: SyncPlan
) -> None:
    """What the plan decided, told in the result before anything is written."""
    result.commit, result.previous_commit, result.rewritten = (
        facts.commit,
        stored.commit,
        facts.rewritten,
    )
    result.added, result.changed = list(plan.added), list(plan.changed)
    result.renamed, result.unchanged = list(plan.renamed), plan.unchanged


# -- the sync -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Planned:
    """A fetched checkout planned against the store: the settings, dbt context and plan."""

    config: GitSourceConfig
    stored: StoredState
    context: DbtContext
    plan: SyncPlan


def sync_repository(
    config: GitSourceConfig, store: LineageStore, cache_root: Path, run_id: str | None = None
) -> SyncResult:
    """Fetch, plan against what the store holds, parse what changed, write it, drop what went."""
    result = SyncResult(remote=config.public_remote)
    try:
        checkout = fetch(config, cache_root)
        planned = _plan(checkout, config, store, result)
        failures = _parse_and_write(checkout, planned, store, run_id, result)
        _complete(checkout, planned, store, failures, run_id, result)
    except Exception as error:
        result.error = (
            str(error) if isinstance(error, GitSourceError) else describe(error, [config.token])
        )
        _mark_repository_stale(store, config, result.error, run_id)
    return result


def _plan(
    checkout: Checkout, config: GitSourceConfig, store: LineageStore, result: SyncResult
) -> _Planned:
    """Gather the plan's inputs from the checkout and the store, plan, and tell the result."""
    config = with_repository_settings(config, checkout, result.warnings)
    stored = views.stored_state(store.conn, config.repo_name)
    context, problems = _dbt_context(checkout, config)
    result.warnings += problems + _notes(checkout, config)
    facts = checkout_state(checkout, config, stored, context)
    plan = plan_sync(stored, facts)
    record_plan(result, stored, facts, plan)
    return _Planned(config, stored, context, plan)


def _parse_and_write(
    checkout: Checkout,
    planned: _Planned,
    store: LineageStore,
    run_id: str | None,
    result: SyncResult,
) -> dict[str, str]:
    """Parse the planned files and write them batch by batch; the failures by path."""
    config, plan = planned.config, planned.plan
    failures: dict[str, str] = {}
    paths = {file_source_key(config, f.path): f.path for f in plan.parse}
    batches = _parsed_batches(checkout, config, plan, planned.context, result, failures)
    for batch in batches:
        _write(store, batch, run_id, failures, paths)
    return failures


def _complete(
    checkout: Checkout,
    planned: _Planned,
    store: LineageStore,
    failures: dict[str, str],
    run_id: str | None,
    result: SyncResult,
) -> None:
    """Mark the failures, remove what went, write the dbt projects and the new commit."""
    done = completion(planned.config, planned.plan, failures, checkout.commit_sha)
    for failure in done.failed:
        result.failed_files.append(failure.message)
        result.parse_errors.append(failure.message)
        store.mark_failed(
            failure.source_key,
            "sql_file",
            failure.message,
            run_id=run_id,
            error_type="file_failed",
            location=failure.location,
        )
    for key in done.removed:
        store.remove_source(key)
    for records in dbt_project_records(planned.context, planned.config.repo_name):
        store.replace_source(records, run_id)
    deleting = checkout.deleting_commits(planned.stored.commit, planned.plan.deleted)
    result.deleted = [(path, deleting.get(path)) for path in planned.plan.deleted]
    repository = SourceRecords(
        done.repository_key, "git_repository", done.remote, content_hash=done.commit
    )
    store.replace_source(repository, run_id)


def with_repository_settings(
    config: GitSourceConfig, checkout: Checkout, problems: list[str] | None = None
) -> GitSourceConfig:
    """The repository's `.lineage.toml` applied to `config` (see `settings.apply_settings`);
    a settings file that cannot be read is reported in `problems` and ignored."""
    path = settings_path(config)
    entry = next((f for f in checkout.listing() if f.path == path), None)
    if entry is None:
        return config
    report: Callable[[str], None] = problems.append if problems is not None else _ignore
    loaded = load(entry, checkout.read)
    try:
        document = parse_settings(loaded.text or "")
    except (ValueError, RecursionError, MemoryError) as error:  # TOMLDecodeError, 5,000-digit ints
        report(f"{entry.path}:{error_line(error)}: ignored: {describe(error, [])}")
        return config
    applied = apply_settings(config, document, entry.path)
    for problem in applied.problems:
        report(problem)
    return applied.config


def _ignore(_: str) -> None:
    """A problem nobody asked to hear about."""
