"""dbt projects as dbt reads them: `dbt_project.yml` (paths, vars, dispatch, the configs of
its `models:`/`seeds:`/`snapshots:` trees under dbt's `+` rule), installed packages, and the
property YAML files (model configs and columns, sources with their columns).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import yaml

RESOURCE_TREES = {
    "model": "models",
    "seed": "seeds",
    "snapshot": "snapshots",
    "analysis": "analyses",
}
MAX_YAML_CHARS = 5_000_000
MAX_YAML_VALUES = 1_000_000
MAX_YAML_DEPTH = 200


class DbtError(Exception):
    """A dbt file that cannot be read; the message names it."""


@dataclass(frozen=True)
class SourceTable:
    """One table of a `sources:` entry: where it lives and the columns the YAML declares."""

    package: str
    source: str
    table: str
    database: str | None
    schema: str
    identifier: str
    columns: tuple[str, ...]
    path: str


@dataclass(frozen=True)
class DbtProject:
    """One dbt project (the root one or an installed package) and where its files are."""

    root: str
    name: str
    settings: Mapping[str, Any]
    properties: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # name -> entry
    sources: tuple[SourceTable, ...] = ()
    packages: tuple[DbtProject, ...] = ()

    def _paths(self, key: str, default: str, legacy: str = "") -> tuple[str, ...]:
        """A resource path setting; dbt still reads the legacy key when the new one is absent."""
        chosen = key if key in self.settings or not legacy else legacy
        value = self.settings.get(chosen) or [default]
        values = [value] if isinstance(value, str) else list(value)
        return tuple(self.join(str(v).strip("/")) for v in values)

    def join(self, relative: str) -> str:
        """A repository path from a project-relative one (`../shared/macros` resolved, as dbt
        resolves resource paths against the project folder)."""
        joined = posixpath.normpath(posixpath.join(self.root or ".", relative))
        return "" if joined == "." else joined

    @property
    def resource_paths(self) -> tuple[str, ...]:
        """Every folder dbt reads this project's models, seeds, snapshots, analyses, macros
        and tests from."""
        return (*self.model_paths, *self.seed_paths, *self.snapshot_paths,
                *self.analysis_paths, *self.macro_paths, *self.test_paths)  # fmt: skip

    @property
    def outside_paths(self) -> tuple[str, ...]:
        """Resource folders outside the project's own folder but inside the repository
        (`model-paths: ["models", "../../sources"]`); one leaving the repository is never read."""
        if not self.root:  # a project at the repository's root holds every folder in it
            return ()
        return tuple(
            folder
            for folder in self.resource_paths
            if folder not in ("", ".", "..")
            and not folder.startswith("../")
            and folder != self.root
            and not folder.startswith(f"{self.root}/")
        )

    @property
    def model_paths(self) -> tuple[str, ...]:
        return self._paths("model-paths", "models", "source-paths")

    @property
    def macro_paths(self) -> tuple[str, ...]:
        return self._paths("macro-paths", "macros")

    @property
    def seed_paths(self) -> tuple[str, ...]:
        return self._paths("seed-paths", "seeds", "data-paths")

    @property
    def snapshot_paths(self) -> tuple[str, ...]:
        return self._paths("snapshot-paths", "snapshots")

    @property
    def analysis_paths(self) -> tuple[str, ...]:
        return self._paths("analysis-paths", "analyses")

    @property
    def test_paths(self) -> tuple[str, ...]:
        return self._paths("test-paths", "tests")

    @property
    def packages_path(self) -> str:
        return self.join(str(self.settings.get("packages-install-path") or "dbt_packages"))

    @property
    def target_path(self) -> str:
        return self.join(str(self.settings.get("target-path") or "target"))

    @property
    def variables(self) -> Mapping[str, Any]:
        value = self.settings.get("vars")
        return value if isinstance(value, Mapping) else {}

    @property
    def dispatch(self) -> dict[str, tuple[str, ...]]:
        """`dispatch:` search orders by macro namespace."""
        orders = {}
        for entry in self.settings.get("dispatch") or []:
            if isinstance(entry, Mapping) and entry.get("macro_namespace"):
                orders[str(entry["macro_namespace"])] = tuple(
                    str(p) for p in entry.get("search_order") or []
                )
        return orders

    def owns(self, path: str) -> bool:
        """Whether dbt reads a repository path as part of this project: inside its folder, or
        in one of its resource folders that lie outside it."""
        if not self.root or path.startswith(f"{self.root}/"):
            return True
        return any(_under(path, folder) for folder in self.outside_paths)

    def kind_of(self, path: str) -> str | None:
        """What dbt makes of a file: model, snapshot, seed, analysis, macro, test, package,
        build (target/logs), or None outside the project."""
        if not self.owns(path):
            return None
        for kind, folders in (
            ("package", (self.packages_path, self.join("dbt_modules"))),
            ("build", (self.target_path, self.join("logs"))),
            ("macro", self.macro_paths),
            ("test", self.test_paths),
            ("analysis", self.analysis_paths),
            ("snapshot", self.snapshot_paths),
            ("seed", self.seed_paths),
            ("model", self.model_paths),
        ):
            if any(_under(path, folder) for folder in folders):
                return kind
        return "other"

    def fqn(self, path: str, kind: str) -> tuple[str, ...]:
        """dbt's fully qualified name: package, folders under the resource path, file stem."""
        folders = {
            "model": self.model_paths,
            "seed": self.seed_paths,
            "snapshot": self.snapshot_paths,
            "analysis": self.analysis_paths,
        }[kind]
        for folder in folders:
            if _under(path, folder):
                relative = PurePosixPath(path).relative_to(folder)
                return (self.name, *relative.parent.parts, relative.stem)
        return (self.name, PurePosixPath(path).stem)


def _under(path: str, folder: str) -> bool:
    return folder in ("", ".") or path.startswith(f"{folder}/")


def _expanded_size(value: Any, budget: int, depth: int = 0) -> int:
    """How many values a YAML document holds once its aliases are expanded, up to `budget`
    (a "billion laughs" document is small as text and enormous once walked)."""
    if depth > MAX_YAML_DEPTH:
        raise DbtError(f"nested deeper than {MAX_YAML_DEPTH} levels")
    used = 1
    children = value.values() if isinstance(value, Mapping) else value
    if isinstance(value, (Mapping, list)):
        for child in children:
            used += _expanded_size(child, budget - used, depth + 1)
            if used > budget:
                raise DbtError(f"expands to more than {MAX_YAML_VALUES} values")
    return used


def load_yaml(path: str, text: str) -> Any:
    """Safe YAML (no tags that build objects), bounded in size, depth and alias expansion."""
    if len(text) > MAX_YAML_CHARS:
        raise DbtError(f"{path}: YAML file above {MAX_YAML_CHARS} characters, skipped")
    try:
        document = yaml.safe_load(text)
        _expanded_size(document, MAX_YAML_VALUES)
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an int past 4,300 digits
        raise DbtError(f"{path}: invalid YAML: {str(error)[:200]}") from None
    except RecursionError:
        raise DbtError(f"{path}: YAML nested too deeply") from None
    except DbtError as error:
        raise DbtError(f"{path}: YAML {error}, skipped") from None
    return document


def resource_config(
    settings: Mapping[str, Any], resource_type: str, fqn: tuple[str, ...]
) -> dict[str, Any]:
    """The config a `dbt_project.yml` gives one node, walking its tree along the fqn.

    dbt's `+` rule: `+key` is a config; an unprefixed key is a config unless its value is a
    dict, which is a folder (or model) name. Deeper levels win.
    """
    tree = settings.get(RESOURCE_TREES.get(resource_type, "models"))
    merged: dict[str, Any] = {}
    level: Any = tree
    for part in (None, *fqn):
        if part is not None:
            level = level.get(part) if isinstance(level, Mapping) else None
        if not isinstance(level, Mapping):
            break
        for key, value in level.items():
            key = str(key)
            if key.startswith("+"):
                merged[key[1:]] = value
            elif not isinstance(value, Mapping):
                merged[key] = value
    return merged


def _entries(document: Any, key: str) -> Iterable[Mapping[str, Any]]:
    value = document.get(key) if isinstance(document, Mapping) else None
    return [e for e in value if isinstance(e, Mapping)] if isinstance(value, list) else []


def _columns(entry: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        str(c["name"])
        for c in entry.get("columns") or []
        if isinstance(c, Mapping) and c.get("name")
    )


def read_properties(
    package: str, files: Mapping[str, str]
) -> tuple[dict[str, dict[str, Any]], list[SourceTable], list[str]]:
    """Model/seed/snapshot entries by name and source tables from property YAML files."""
    properties: dict[str, dict[str, Any]] = {}
    sources: list[SourceTable] = []
    problems: list[str] = []
    for path, text in sorted(files.items()):
        try:
            document = load_yaml(path, text)
        except DbtError as error:
            problems.append(str(error))
            continue
        for key in ("models", "seeds", "snapshots", "analyses"):
            for entry in _entries(document, key):
                if entry.get("name"):
                    config = entry["config"] if isinstance(entry.get("config"), Mapping) else {}
                    properties[str(entry["name"])] = {
                        "config": dict(config),
                        "columns": _columns(entry),
                        "path": path,
                        "versions": _versions(entry),
                        "latest_version": _text(entry.get("latest_version")),
                        "relation": _text(entry.get("relation")) if key == "snapshots" else None,
                    }
        for source in _entries(document, "sources"):
            if not source.get("name"):
                continue
            name = str(source["name"])
            for table in source.get("tables") or []:
                if not isinstance(table, Mapping) or not table.get("name"):
                    continue
                sources.append(
                    SourceTable(
                        package=package,
                        source=name,
                        table=str(table["name"]),
                        database=_text(table.get("database") or source.get("database")),
                        schema=str(table.get("schema") or source.get("schema") or name),
                        identifier=str(table.get("identifier") or table["name"]),
                        columns=_columns(table),
                        path=path,
                    )
                )
    return properties, sources, problems


def _versions(entry: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(version, file stem) of a versioned model: `defined_in`, else `<name>_v<version>`."""
    found = []
    for version in entry.get("versions") or []:
        if isinstance(version, Mapping) and version.get("v") is not None:
            number = str(version["v"])
            found.append((number, str(version.get("defined_in") or f"{entry['name']}_v{number}")))
    return tuple(found)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def outside_folders(project_file: str, text: str) -> tuple[str, ...]:
    """The resource folders a `dbt_project.yml` names outside its own folder (read before the
    rest of the project, so their files are read too); none if it does not load."""
    try:
        settings = load_yaml(project_file, text) or {}
    except Exception:  # reported when the project is read
        return ()
    if not isinstance(settings, Mapping):
        return ()
    parent = str(PurePosixPath(project_file).parent)
    project = DbtProject(root="" if parent == "." else parent, name="", settings=settings)
    return project.outside_paths


def read_project(
    project_file: str, files: Mapping[str, str], packages: tuple[DbtProject, ...] = ()
) -> tuple[DbtProject, list[str]]:
    """A project from its `dbt_project.yml` and the property YAML files in its resource paths."""
    settings = load_yaml(project_file, files[project_file]) or {}
    if not isinstance(settings, Mapping):
        raise DbtError(f"{project_file}: not a mapping")
    parent = str(PurePosixPath(project_file).parent)
    root = "" if parent == "." else parent  # `.dbt/x` keeps its dot
    project = DbtProject(root=root, name=str(settings.get("name") or "dbt"), settings=settings)
    folders = (*project.model_paths, *project.seed_paths, *project.snapshot_paths,
               *project.analysis_paths, *project.macro_paths)  # fmt: skip
    ymls = {
        p: t
        for p, t in files.items()
        if p.endswith((".yml", ".yaml"))
        and p != project_file
        and any(_under(p, f) for f in folders)
        and project.kind_of(p) not in ("package", "build")
    }
    properties, sources, problems = read_properties(project.name, ymls)
    project = DbtProject(
        root=root,
        name=project.name,
        settings=settings,
        properties=properties,
        sources=tuple(sources),
        packages=packages,
    )
    return project, problems


def local_package_files(
    project: DbtProject, files: Mapping[str, str], problems: list[str]
) -> list[str]:
    """`dbt_project.yml` of the `local:` packages the project declares that lie in the
    repository itself: `dbt deps` would copy them into `dbt_packages/`, so they are read
    where they are when it did not run (paths leaving the repository are ignored)."""
    found: list[str] = []
    for name in ("packages.yml", "dependencies.yml"):
        path = project.join(name)
        if path not in files:
            continue
        try:
            document = load_yaml(path, files[path])
        except DbtError as error:
            problems.append(str(error))
            continue
        entries = document.get("packages") if isinstance(document, Mapping) else None
        for entry in entries if isinstance(entries, list) else []:
            local = entry.get("local") if isinstance(entry, Mapping) else None
            if not isinstance(local, str) or "{" in local or local.startswith("/"):
                continue
            folder = posixpath.normpath(posixpath.join(project.root or ".", local))
            if folder == ".." or folder.startswith("../") or folder == (project.root or "."):
                continue
            candidate = "dbt_project.yml" if folder == "." else f"{folder}/dbt_project.yml"
            if candidate in files and candidate not in found:
                found.append(candidate)
    return found


def read_projects(files: Mapping[str, str]) -> tuple[list[DbtProject], list[str]]:
    """Every root dbt project in the files, each with the packages installed beside it."""
    project_files = sorted(
        (p for p in files if PurePosixPath(p).name == "dbt_project.yml"),
        key=lambda p: (p.count("/"), p),
    )
    projects, problems = [], []
    nested: set[str] = set()
    for project_file in project_files:
        if project_file in nested:
            continue
        try:
            root, root_problems = read_project(project_file, files)
        except DbtError as error:
            problems.append(str(error))
            continue
        installed, package_problems = [], []
        prefix = f"{root.packages_path}/"
        for candidate in project_files:
            if candidate.startswith(prefix) and candidate.count("/") == prefix.count("/") + 1:
                nested.add(candidate)
                try:
                    package, found = read_project(candidate, files)
                except DbtError as error:
                    package_problems.append(str(error))
                    continue
                installed.append(package)
                package_problems += found
        nested.update(p for p in project_files if p.startswith(prefix))
        known = {root.name, *(p.name for p in installed)}
        for candidate in local_package_files(root, files, package_problems):
            try:
                package, found = read_project(candidate, files)
            except DbtError as error:
                package_problems.append(str(error))
                continue
            if package.name not in known:
                known.add(package.name)
                installed.append(package)
                package_problems += found
        projects.append(
            DbtProject(
                root=root.root,
                name=root.name,
                settings=root.settings,
                properties=root.properties,
                sources=root.sources,
                packages=tuple(installed),
            )
        )
        problems += root_problems + package_problems
    return projects, problems
