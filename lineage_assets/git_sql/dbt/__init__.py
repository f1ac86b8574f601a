"""dbt projects read the way dbt reads them, without running dbt or reaching a warehouse.

`project` reads dbt_project.yml (the `+` rule, folder configs), packages and property YAML;
`render` gives dbt's parse-time context inside the `sandbox`, run by the limited `worker`
process; `naming` builds relation names; `manifest` reads a committed manifest.json; `graph`
puts them together into the nodes and declared dependencies of a project.
"""

from lineage_assets.git_sql.dbt.graph import DbtGraph, DbtNode, DbtSettings, render_project
from lineage_assets.git_sql.dbt.manifest import ManifestNode, read_manifest
from lineage_assets.git_sql.dbt.project import DbtError, DbtProject, read_projects
from lineage_assets.git_sql.dbt.records import Target
from lineage_assets.git_sql.dbt.sandbox import Limits

__all__ = [
    "DbtError",
    "DbtGraph",
    "DbtNode",
    "DbtProject",
    "DbtSettings",
    "Limits",
    "ManifestNode",
    "Target",
    "read_manifest",
    "read_projects",
    "render_project",
]
