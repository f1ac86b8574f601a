"""Dataset and job names by the OpenLineage naming spec (openlineage.io/docs/spec/naming).

S3 is `s3://{bucket}` + `{key}`; Athena tables `awsathena://athena.{region}.amazonaws.com` +
`{catalog}.{database}.{table}`; Redshift `redshift://{cluster}.{region}:{port}` +
`{database}.{schema}.{table}`. The spec has no SageMaker row: feature groups and model packages
are named like Glue tables, by their ARN split after the account (`arn:aws:sagemaker:{region}:
{account}` + `feature-group/{name}`). Jobs: the namespace is configured, the name unique in it
(`sagemaker.{account}.{region}.{pipeline}[.{step}]`; SageMaker allows no dot in either name;
`athena.{account}.{region}.{workgroup}.{digest of the query text}`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ATHENA_CATALOG = "awsdatacatalog"
ATHENA_DEFAULT_DATABASE = "default"
REDSHIFT_DEFAULT_PORT = 5439
REDSHIFT_DIALECTS = frozenset({"redshift"})
_S3_ALIASES = {"s3a": "s3", "s3n": "s3"}
ROOT_NAME = "/"


@dataclass(frozen=True)
class DatasetName:
    """One dataset's OpenLineage identity."""

    namespace: str
    name: str


@dataclass(frozen=True)
class Naming:
    """What the store cannot tell: the job namespace, the Athena region of SQL from git, and
    the Redshift cluster endpoint (`cluster.region:port`) and database of Redshift SQL."""

    job_namespace: str = "lineage-assets"
    athena_region: str = "us-east-1"
    redshift_endpoint: str = ""
    redshift_database: str = "dev"

    @property
    def athena_namespace(self) -> str:
        return f"awsathena://athena.{self.athena_region}.amazonaws.com"

    @property
    def redshift_namespace(self) -> str:
        endpoint = self.redshift_endpoint or (
            f"default.{self.athena_region}:{REDSHIFT_DEFAULT_PORT}"
        )
        return f"redshift://{endpoint}"

    def table(self, table: str, dialect: str | None) -> DatasetName:
        """A table of a SQL statement, in its engine's namespace (Redshift or Athena/Glue)."""
        parts = [p for p in table.split(".") if p]
        if (dialect or "").lower() in REDSHIFT_DIALECTS:
            while len(parts) < 3:
                parts.insert(0, self.redshift_database if len(parts) == 2 else "public")
            return DatasetName(self.redshift_namespace, ".".join(parts[-3:]))
        while len(parts) < 3:
            parts.insert(0, ATHENA_CATALOG if len(parts) == 2 else ATHENA_DEFAULT_DATABASE)
        return DatasetName(self.athena_namespace, ".".join(parts[-3:]).lower())

    def dataset(self, reference: str, dialect: str | None) -> DatasetName:
        """A statement's source or target: a storage URI, else a table."""
        if "://" in reference:
            return storage(reference)
        return self.table(reference, dialect)

    def pipeline_job(self, account: str, region: str, pipeline: str) -> str:
        """A SageMaker pipeline's job name: `sagemaker.{account}.{region}.{pipeline}`. The spec
        leaves the job namespace to the client's configuration and asks the name to be unique
        in it; a pipeline name is unique only within its account and region (as in
        `arn:aws:sagemaker:{region}:{account}`), so the name carries both."""
        return f"sagemaker.{account}.{region}.{pipeline}"

    def step_job(self, account: str, region: str, pipeline: str, step: str) -> str:
        """A step's job name: its pipeline's, then the step (Airflow's `{dag}.{task}` shape)."""
        return f"{self.pipeline_job(account, region, pipeline)}.{step}"


def athena_query_job(account: str, region: str, workgroup: str, query_text: str | None) -> str:
    """An Athena query's job name: `athena.{account}.{region}.{workgroup}.{digest}`, the
    digest (16 hex) of its text, so each execution of the same text is a run of one job (a
    scheduled or dashboard query); the workgroup scopes it as the account and region do."""
    digest = hashlib.sha256((query_text or "").encode()).hexdigest()[:16]
    return f"athena.{account}.{region}.{workgroup}.{digest}"


def storage(uri: str) -> DatasetName:
    """`s3://bucket/a/b/` → (`s3://bucket`, `a/b`); other schemes by authority and path."""
    scheme, _, rest = uri.partition("://")
    scheme = _S3_ALIASES.get(scheme.lower(), scheme.lower())
    authority, _, path = rest.partition("/")
    key = "/".join(part for part in path.split("/") if part)
    return DatasetName(f"{scheme}://{authority}", key or ROOT_NAME)


def sagemaker_arn(arn: str) -> DatasetName:
    """`arn:aws:sagemaker:r:acct:feature-group/x` → (`arn:aws:sagemaker:r:acct`,
    `feature-group/x`), as Glue tables are named."""
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return DatasetName("arn:aws:sagemaker", arn)
    return DatasetName(":".join(parts[:5]), parts[5])


def glue_table(feature_group_arn: str, database: str, table: str) -> DatasetName | None:
    """A feature group's offline-store Glue table, in the account and region of its ARN."""
    parts = feature_group_arn.split(":")
    if len(parts) < 6 or not parts[3] or not parts[4]:
        return None
    return DatasetName(f"arn:aws:glue:{parts[3]}:{parts[4]}", f"table/{database}/{table}")


def sql_job(repository: str, path: str, statement_index: int, statement_count: int) -> str:
    """A statement's job name: `sql.{repository}/{path}`, with `#{n}` (1-based) when the file
    holds several statements."""
    base = f"sql.{repository}/{path}"
    return base if statement_count <= 1 else f"{base}#{statement_index + 1}"
