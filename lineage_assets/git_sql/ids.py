"""Source keys of SQL from git: the store key of a synced repository, of each of its files, of
its dbt projects, and of SQL given inline. Built and read here only."""

from __future__ import annotations

REPOSITORY = "git"
FILE = "sql"
DBT_PROJECT = "dbt"
INLINE = "inline"


def repository_key(repo_name: str) -> str:
    """The key that remembers which commit a repository was last synced at."""
    return f"{REPOSITORY}:{repo_name}"


def file_key(repo_name: str, path: str) -> str:
    """The key of one file's lineage (with `path` "", the prefix of every file of the repo)."""
    return f"{FILE}:{repo_name}/{path}"


def file_path(key: str, repo_name: str) -> str | None:
    """The path of a file key of `repo_name`, else None."""
    prefix = file_key(repo_name, "")
    return key.removeprefix(prefix) if key.startswith(prefix) else None


def dbt_project_key(repo_name: str, root: str) -> str:
    """The key of a dbt project's nodes; `root` is the project's folder ("" or "." at the top)."""
    return f"{DBT_PROJECT}:{repo_name}/{root or '.'}"


def inline_key(name: str) -> str:
    """The key of SQL given inline under `name` (never from a repository)."""
    return f"{INLINE}:{name}"
