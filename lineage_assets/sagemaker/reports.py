"""Evaluation metrics from the report a step's PropertyFile points at (bounded S3 read).

A PropertyFile names an output of a Processing step and a file in it (`evaluation.json`); the
job's description gives the output's S3 URI. Numeric leaves become `a.b.c` metrics, so nested
SageMaker reports (`regression_metrics.mse.value`) count, unlike in the original service.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lineage_assets.aws import AWS_ERRORS, error_code
from lineage_assets.sagemaker.expressions import walk_steps

MAX_REPORT_BYTES = 256 * 1024
MAX_METRICS = 200


@dataclass(frozen=True)
class Report:
    """Metrics read from one property file of one job."""

    job_arn: str
    property_file: str
    uri: str
    metrics: Mapping[str, float]


def numeric_leaves(document: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    """(dotted path, number) of every int/float leaf; booleans are not metrics."""
    if isinstance(document, Mapping):
        for key, value in document.items():
            yield from numeric_leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from numeric_leaves(value, f"{prefix}[{index}]")
    elif isinstance(document, (int, float)) and not isinstance(document, bool) and prefix:
        yield prefix, float(document)


def property_files(definition: str) -> dict[str, list[Mapping[str, Any]]]:
    """Step name → its declared PropertyFiles, from a definition's text (none if not JSON)."""
    try:
        parsed = json.loads(definition)
    except ValueError:
        return {}
    found = {}
    for item, _, _ in walk_steps(parsed.get("Steps") if isinstance(parsed, Mapping) else None):
        files = [f for f in item.get("PropertyFiles") or [] if isinstance(f, Mapping)]
        if files and isinstance(item.get("Name"), str):
            found[item["Name"]] = files
    return found


def _output_uri(job: Mapping[str, Any], output_name: Any) -> str | None:
    """The S3 URI of a named output in a processing job's description."""
    for output in (job.get("ProcessingOutputConfig") or {}).get("Outputs") or []:
        if output.get("OutputName") == output_name:
            return (output.get("S3Output") or {}).get("S3Uri")
    return None


def read_report(s3: Any, uri: str) -> Any:
    """The JSON document at an S3 URI, reading at most MAX_REPORT_BYTES (ValueError if cut)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    answer = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{MAX_REPORT_BYTES - 1}")
    return json.loads(answer["Body"].read())


def job_reports(
    s3: Any, job_arn: str, job: Mapping[str, Any], files: list[Mapping[str, Any]]
) -> tuple[list[Report], list[str]]:
    """The reports of one job's property files, and warnings for those that could not be read."""
    reports, warnings = [], []
    for declared in files:
        folder = _output_uri(job, declared.get("OutputName"))
        if not folder or not declared.get("FilePath"):
            continue
        uri = f"{folder.rstrip('/')}/{declared['FilePath']}"
        try:
            document = read_report(s3, uri)
        except AWS_ERRORS as error:
            warnings.append(f"report {uri}: {error_code(error)}: {error}")
            continue
        except ValueError as error:
            warnings.append(f"report {uri}: not JSON within {MAX_REPORT_BYTES} bytes: {error}")
            continue
        metrics = dict(list(numeric_leaves(document))[:MAX_METRICS])
        reports.append(Report(job_arn, str(declared.get("PropertyFileName")), uri, metrics))
    return reports, warnings
