"""After the graph: send the published store's lineage as OpenLineage events, through the
transport the OpenLineage standard configuration names; a no-op when none is configured."""

import dagster as dg

from dagster_project.metadata import bullets, code
from dagster_project.names import GRAPH_GROUP, LINEAGE_GRAPH, OPENLINEAGE_EXPORT
from dagster_project.resources import LineageStoreResource

NOT_CONFIGURED = (
    "no OpenLineage transport configured (OPENLINEAGE_CONFIG, ./openlineage.yml, "
    "OPENLINEAGE__TRANSPORT__*, OPENLINEAGE_URL) or OPENLINEAGE_DISABLED=true: nothing sent"
)


@dg.asset(
    key=OPENLINEAGE_EXPORT,
    deps=[LINEAGE_GRAPH],
    group_name=GRAPH_GROUP,
    kinds={"openlineage"},
    description="OpenLineage events (SQL jobs, pipeline and step runs, datasets with column "
    "lineage and PII) for what changed since the last export, sent by the configured transport.",
)
def openlineage_export(
    context: dg.AssetExecutionContext, lineage_store: LineageStoreResource
) -> dg.MaterializeResult:
    from lineage_assets.openlineage import emit  # the client loads when a run needs it
    from lineage_assets.openlineage.export import run_export

    transport = emit.configured_transport()
    if transport is None:
        context.log.info(NOT_CONFIGURED)
        return dg.MaterializeResult(metadata={"transport": NOT_CONFIGURED, "sent": 0})
    report = run_export(lineage_store.home)
    for line in report.failed:
        context.log.error("OpenLineage event not sent: %s", line)
    return dg.MaterializeResult(
        metadata={
            "transport": transport,
            **report.summary(),
            "failures": bullets(code(line) for line in report.failed),
        }
    )
