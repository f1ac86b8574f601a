"""Node ids: `<kind>:<key>`, built and parsed here only, in Python and as SQL expressions.

- `table:<name>` and `column:<table>.<column>` for SQL relations and their columns;
- `data:<uri>` and `column:<uri>#<column>` for storage locations and their columns;
- `step:<account>/<region>/<pipeline>/<step>`, `execution:<arn>`, `model_package:<arn>`,
  `feature_group:<account>/<region>/<name>` for SageMaker pipelines (names are unique per
  account and region only);
- `model:<arn>`, `endpoint_config:<arn>`, `endpoint:<arn>`, `transform_job:<arn>`,
  `monitoring_schedule:<arn>` for SageMaker serving (ARNs carry account and region);
- `query:<engine>/<account>/<region>/<id>` for a query seen in an engine's history (Athena).
"""

from __future__ import annotations

from dataclasses import dataclass

from lineage_assets.core.enums import NodeKind


@dataclass(frozen=True)
class NodeId:
    """A parsed node id."""

    kind: str
    key: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


def node(kind: NodeKind, key: str) -> str:
    """The id of a node of `kind` named `key`."""
    return f"{kind.value}:{key}"


def parse(node_id: str) -> NodeId:
    """`step:r/p/s` → NodeId("step", "r/p/s"); an id without a kind has kind ""."""
    kind, sep, key = node_id.partition(":")
    return NodeId(kind, key) if sep else NodeId("", node_id)


def kind_of(node_id: str) -> str:
    """The kind prefix of a node id ("" when it has none)."""
    return parse(node_id).kind


def key_of(node_id: str, kind: NodeKind) -> str | None:
    """The key of a node id of `kind`, else None."""
    parsed = parse(node_id)
    return parsed.key if parsed.kind == kind.value else None


def table_node(name: str) -> str:
    """A SQL relation, named as the SQL engine names it (lower-case, dotted)."""
    return node(NodeKind.TABLE, name)


def data_node(uri: str) -> str:
    """A storage location (an S3 URI, a file path)."""
    return node(NodeKind.DATA, uri)


def step_node(account: str, region: str, pipeline: str, step: str) -> str:
    """A step of a SageMaker pipeline."""
    return node(NodeKind.STEP, f"{account}/{region}/{pipeline}/{step}")


def step_prefix(account: str, region: str, pipeline: str) -> str:
    """The common prefix of every step node of one pipeline."""
    return step_node(account, region, pipeline, "")


def step_parts(node_id: str) -> tuple[str, str] | None:
    """`step:a/r/p/s` → (`a/r/p`, `s`): the pipeline scope of a step node and its step name
    (step names never contain `/`); None for any other node."""
    key = key_of(node_id, NodeKind.STEP)
    if key is None or key.count("/") < 3:
        return None
    scope, _, step = key.rpartition("/")
    return scope, step


def execution_node(arn: str) -> str:
    """A pipeline execution."""
    return node(NodeKind.EXECUTION, arn)


def model_package_node(arn: str) -> str:
    """A registered model package."""
    return node(NodeKind.MODEL_PACKAGE, arn)


def feature_group_node(account: str, region: str, name: str) -> str:
    """A SageMaker Feature Store feature group."""
    return node(NodeKind.FEATURE_GROUP, f"{account}/{region}/{name}")


def arn_node(kind: NodeKind, arn: str) -> str:
    """A SageMaker resource named by its ARN (model, endpoint config, endpoint, transform job,
    monitoring schedule): the ARN carries its account and region."""
    return node(kind, arn)


def query_node(engine: str, account: str, region: str, query_id: str) -> str:
    """One execution of a query in an engine's history (e.g. an Athena query execution id)."""
    return node(NodeKind.QUERY, f"{engine}/{account}/{region}/{query_id}")


def column_node(owner: str, column: str) -> str:
    """A column of a table node (`column:<table>.<col>`) or a data node (`column:<uri>#<col>`)."""
    uri = key_of(owner, NodeKind.DATA)
    if uri is not None:
        return node(NodeKind.COLUMN, f"{uri}#{column}")
    return node(NodeKind.COLUMN, f"{owner.removeprefix(NodeKind.TABLE.value + ':')}.{column}")


def table_column_node(table: str, column: str) -> str:
    """A column of a SQL relation; a column of no known relation is `column:<column>`."""
    return node(NodeKind.COLUMN, f"{table}.{column}" if table else column)


def data_column_node(uri: str, column: str) -> str:
    """A column of a dataset at a storage location."""
    return node(NodeKind.COLUMN, f"{uri}#{column}")


def column_parts(column_id: str) -> tuple[str, str]:
    """`column:s3://b/p#email` → (`data:s3://b/p`, `email`); `column:db.t.email` →
    (`table:db.t`, `email`): the owner node of a column node and the column's name."""
    body = key_of(column_id, NodeKind.COLUMN)
    body = column_id if body is None else body
    if "://" in body and "#" in body:
        uri, _, column = body.rpartition("#")
        return data_node(uri), column
    table, _, column = body.rpartition(".")
    return table_node(table), column


# The same constructors as SQL expressions over column expressions, for views and reads.


def sql_node(kind: NodeKind, key_sql: str) -> str:
    """SQL for the id of a node of `kind` whose key is the SQL expression `key_sql`."""
    return f"'{kind.value}:' || {key_sql}"


def sql_step_node(account: str, region: str, pipeline: str, step: str) -> str:
    """SQL for a step node id from four column expressions."""
    return sql_node(
        NodeKind.STEP, f"{account} || '/' || {region} || '/' || {pipeline} || '/' || {step}"
    )


def sql_feature_group_node(account: str, region: str, name: str) -> str:
    """SQL for a feature group node id from three column expressions."""
    return sql_node(NodeKind.FEATURE_GROUP, f"{account} || '/' || {region} || '/' || {name}")
