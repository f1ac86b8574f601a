"""Turn one repository file into parsed SQL units: a `.sql` file, a dbt model (rendered), or
the literal SQL strings of a Python file. SQL is parsed by the engine, never executed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lineage_assets.git_sql import dbt
from lineage_assets.git_sql.embedded import find_embedded_sql
from lineage_assets.git_sql.records import ParsedUnit
from lineage_assets.sql import ScriptLineage, StatementLineage, extract_lineage


@dataclass(frozen=True)
class DbtContext:
    """The dbt projects of the commit and every model's relation, for rendering refs."""

    projects: tuple[dbt.DbtProject, ...] = ()
    relations: Mapping[str, str] = field(default_factory=dict)

    def project_of(self, path: str) -> dbt.DbtProject | None:
        """The project that owns a model path, if any."""
        return next((p for p in self.projects if p.owns(path)), None)


def dbt_context(files: Mapping[str, str]) -> tuple[DbtContext, list[str]]:
    """Projects (from each dbt_project.yml and the YAML beside it) and model relations."""
    projects, problems = [], []
    for path, text in files.items():
        if PurePosixPath(path).name != "dbt_project.yml":
            continue
        root = str(PurePosixPath(path).parent).removeprefix(".")
        ymls = {
            p: t
            for p, t in files.items()
            if p.endswith((".yml", ".yaml")) and p != path and p.startswith(root)
        }
        try:
            projects.append(dbt.read_project(path, text, ymls))
        except dbt.DbtError as error:
            problems.append(str(error))
    relations = {}
    for project in projects:
        for path, text in files.items():
            if path.endswith(".sql") and project.owns(path):
                try:
                    config = dbt.model_config(project, path, text)
                except dbt.DbtError as error:
                    problems.append(str(error))
                    continue
                relations[PurePosixPath(path).stem] = dbt.relation(path, config)
    return DbtContext(tuple(projects), relations), problems


def _failed_unit(message: str, line: int = 1) -> ParsedUnit:
    """A file-level failure (Jinja, Python syntax) reported like a statement that failed."""
    statement = StatementLineage(
        kind="UNKNOWN", targets=[], sources=[], column_lineage=[],
        start_line=line, end_line=line, error=message,
    )  # fmt: skip
    return ParsedUnit(ScriptLineage([], [], [], [statement], []))


def parse_file(
    path: str, text: str, dialect: str | None, context: DbtContext
) -> tuple[list[ParsedUnit], list[str]]:
    """The file's SQL units, parsed, and warnings about SQL that could not be read."""
    if path.endswith(".py"):
        found, skipped = find_embedded_sql(text, path)
        units = [
            ParsedUnit(
                extract_lineage(item.sql, item.dialect or dialect), item.line - 1,
                item.dialect or dialect,
            )
            for item in found
        ]  # fmt: skip
        return units, [f"{path}:{s.line}: {s.reason}" for s in skipped]
    project = context.project_of(path)
    if project is not None:
        try:
            _, sql = dbt.render_model(project, path, text, context.relations)
        except dbt.DbtError as error:
            return [_failed_unit(str(error))], []
        return [ParsedUnit(extract_lineage(sql, dialect), 0, dialect)], []
    return [ParsedUnit(extract_lineage(text, dialect), 0, dialect)], []
