"""What a sync must do, decided from data alone: which files to parse, which to drop, which
moved, given what the store holds and what the checkout has. No git, no store, no parsing.

Files are keyed by path and blob SHA: an unchanged blob is kept, a new or changed one is
parsed, a path that is gone is removed (or recorded as renamed when its blob reappears under a
new path). A rewritten history trusts nothing stored; a changed dbt YAML re-parses every model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lineage_assets.git_sql.repository import RepoFile

DBT_FILES = ("dbt_project.yml", ".yml", ".yaml", ".csv", "manifest.json")  # seeds name models too


@dataclass(frozen=True)
class StoredState:
    """The repository as the store has it: its last synced commit and its files' blobs.

    A file whose stored lineage is not current (stale or failed) has blob `None`: it is parsed
    again, and still removed when its path is gone.
    """

    commit: str | None
    files: Mapping[str, str | None]


@dataclass(frozen=True)
class CheckoutState:
    """The repository at the fetched commit, as far as planning needs it.

    `changed_paths` are the paths that differ from the stored commit (None: unknown), and
    `dbt_models` the wanted files that belong to a dbt project.
    """

    commit: str
    files: Mapping[str, RepoFile]
    rewritten: bool = False
    changed_paths: frozenset[str] | None = frozenset()
    dbt_models: frozenset[str] = frozenset()
    dbt_inputs: frozenset[str] = frozenset()  # macros and packages: every model renders them


@dataclass(frozen=True)
class SyncPlan:
    """The decisions of one sync; `remove` holds every stored path that is gone (renamed too)."""

    parse: tuple[RepoFile, ...]
    added: tuple[str, ...]
    changed: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]
    deleted: tuple[str, ...]
    remove: tuple[str, ...]
    unchanged: int


def plan_sync(stored: StoredState, checkout: CheckoutState) -> SyncPlan:
    """Parse what is new or changed, remove what is gone, keep the rest."""
    current = checkout.files
    parse = [
        file
        for path, file in sorted(current.items())
        if checkout.rewritten or stored.files.get(path) != file.blob_sha
    ]
    if _dbt_inputs_changed(stored, checkout, parse):
        chosen = {file.path for file in parse}
        parse += [current[p] for p in sorted(checkout.dbt_models - chosen) if p in current]
    gone = sorted(p for p in stored.files if p not in current)
    moved_from = {stored.files[p]: p for p in gone if stored.files[p] is not None}
    added, changed, renamed = [], [], []
    for file in parse:
        if file.path in stored.files:
            changed.append(file.path)
        elif file.blob_sha in moved_from:
            renamed.append((moved_from.pop(file.blob_sha), file.path))
        else:
            added.append(file.path)
    moved = {old for old, _ in renamed}
    return SyncPlan(
        parse=tuple(parse),
        added=tuple(added),
        changed=tuple(changed),
        renamed=tuple(renamed),
        deleted=tuple(p for p in gone if p not in moved),
        remove=tuple(gone),
        unchanged=len(current) - len(parse),
    )


def _dbt_inputs_changed(stored: StoredState, checkout: CheckoutState, parse: list) -> bool:
    """Whether a dbt YAML file changed since the stored commit (it changes every model's refs)."""
    if not checkout.dbt_models or checkout.rewritten or stored.commit is None:
        return False
    if any(file.path.endswith(DBT_FILES) or file.path in checkout.dbt_inputs for file in parse):
        return True
    if checkout.changed_paths is None:  # an unreadable diff only costs a re-parse of the models
        return True
    return any(
        path.endswith(DBT_FILES) or path in checkout.dbt_inputs for path in checkout.changed_paths
    )
