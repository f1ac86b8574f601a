"""The serving check, on the graph (it reads `pii_exposure`, which the graph builds), reading
the published copy (never the writer's file)."""

import dagster as dg

from dagster_project.metadata import bullets, code
from dagster_project.names import LINEAGE_GRAPH
from dagster_project.resources import LineageStoreResource

LIVE = "InService"
ERROR = dg.AssetCheckSeverity.ERROR
MAX_LISTED = 100


@dg.asset_check(
    asset=LINEAGE_GRAPH,
    description="Fails when an InService endpoint serves a model trained on unmasked personal "
    "data and captures requests into a bucket without default encryption or without a full "
    "public-access block (a warning when that bucket's posture could not be read).",
)
def no_live_endpoint_captures_pii_unprotected(
    lineage_store: LineageStoreResource,
) -> dg.AssetCheckResult:
    from lineage_assets.serving.views import exposed_captures

    with lineage_store.reader() as conn:
        live = [row for row in exposed_captures(conn) if row.status == LIVE]
    exposed = [row for row in live if row.exposed]
    unknown = [row for row in live if not row.exposed and row.unknown]
    listed = exposed or unknown
    lines = (
        f"{code(row.endpoint_name)} ({code(row.account_id)}/{code(row.region)}) serves "
        f"{code(row.model)} trained on {code(', '.join(row.pii_classes))}, captures into "
        f"{code(row.capture)} (bucket {code(row.bucket)}: encryption {code(row.encryption)}, "
        f"public access {code(row.public_access)}); path {code(' → '.join(row.path))}"
        for row in listed[:MAX_LISTED]
    )
    return dg.AssetCheckResult(
        passed=not listed,
        severity=dg.AssetCheckSeverity.ERROR
        if exposed or not listed
        else dg.AssetCheckSeverity.WARN,
        metadata={
            "unprotected_captures": len(exposed),
            "unknown_posture": len(unknown),
            "details": bullets(lines),
        },
    )
