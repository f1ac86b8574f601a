"""Source keys and names of the Athena package: one source per execution, one per workgroup's
crawl state; relations named as the SQL engine names them, without the default catalog."""

from __future__ import annotations

from lineage_assets.core.ids import query_node
from lineage_assets.core.uris import is_storage_path

ENGINE = "athena"
EXECUTION_KIND = "athena_query"
WORKGROUP_KIND = "athena_workgroup"
REGION_KIND = "athena_region"
DEFAULT_CATALOG = "awsdatacatalog"


def execution_key(account_id: str, region: str, execution_id: str) -> str:
    """`athena_query:<account>/<region>/<execution id>`."""
    return f"{EXECUTION_KIND}:{account_id}/{region}/{execution_id}"


def execution_prefix(account_id: str, region: str) -> str:
    """The common prefix of every execution source key of one account and region."""
    return execution_key(account_id, region, "")


def workgroup_key(account_id: str, region: str, workgroup: str) -> str:
    """`athena_workgroup:<account>/<region>/<workgroup>`: the workgroup's crawl state."""
    return f"{WORKGROUP_KIND}:{account_id}/{region}/{workgroup}"


def region_key(account_id: str, region: str) -> str:
    """`athena_region:<account>/<region>`: where a failed workgroup listing is recorded."""
    return f"{REGION_KIND}:{account_id}/{region}"


def execution_node(account_id: str, region: str, execution_id: str) -> str:
    """The query node of one execution."""
    return query_node(ENGINE, account_id, region, execution_id)


def relation(name: str, catalog: str | None = None) -> str:
    """A relation as the SQL engine names it, in the execution's catalog: the default catalog
    is not written (`awsdatacatalog.raw.t` → `raw.t`, as git SQL and Glue name it); in another
    catalog a `db.table` name gains it. Storage paths are returned unchanged."""
    if is_storage_path(name):
        return name
    head, dot, rest = name.partition(".")
    if dot and head == DEFAULT_CATALOG and "." in rest:
        return rest
    if catalog and catalog.lower() != DEFAULT_CATALOG and name.count(".") == 1:
        return f"{catalog.lower()}.{name}"
    return name


def default_database(catalog: str | None, database: str | None) -> str | None:
    """What qualifies an unqualified name: the context's database, in its catalog unless that
    is the default one."""
    if not database:
        return None
    if catalog and catalog.lower() != DEFAULT_CATALOG:
        return f"{catalog}.{database}"
    return database
