"""Evaluation metrics from the report a step's PropertyFile points at (bounded S3 read).

A PropertyFile names an output of a Processing step and a file in it (`evaluation.json`); the
job's description gives the output's S3 URI. Numeric leaves become `a.b.c` metrics, so nested
SageMaker reports (`regression_metrics.mse.value`) count, unlike in the original service.
A report is read within bounds (bytes, nesting); one that is unreadable or not JSON is a
warning, any other failure an error naming the object: neither stops the pipeline.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lineage_assets.aws import AWS_ERRORS, error_code
from lineage_assets.sagemaker.bounds import (
    MAX_JSON_DEPTH,
    MAX_REPORT_BYTES,
    BoundExceeded,
    PipelineWarning,
    bounded_json,
    clip,
    load_definition,
)
from lineage_assets.sagemaker.clients import S3Client
from lineage_assets.sagemaker.expressions import walk_steps

MAX_METRICS = 200


@dataclass(frozen=True)
class ItemError:
    """A part of a pipeline's crawl that failed (an execution, a job, a report file): the
    pipeline still lands; this becomes an error row naming the part."""

    location: str  # execution ARN, job ARN or s3:// URI
    error_type: str
    message: str


@dataclass(frozen=True)
class Report:
    """Metrics read from one property file of one job."""

    job_arn: str
    property_file: str
    uri: str
    metrics: Mapping[str, float]


def numeric_leaves(document: Any, prefix: str = "") -> Iterator[tuple[str, float]]:
    """(dotted path, number) of every int/float leaf; booleans are not metrics (the document's
    depth is bounded when it is read)."""
    if isinstance(document, Mapping):
        for key, value in document.items():
            yield from numeric_leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from numeric_leaves(value, f"{prefix}[{index}]")
    elif isinstance(document, (int, float)) and not isinstance(document, bool) and prefix:
        try:
            yield prefix, float(document)
        except OverflowError:  # an integer beyond any float is no metric
            return


def property_files(definition: str) -> dict[str, list[Mapping[str, Any]]]:
    """Step name → its declared PropertyFiles, from a definition's text (none if not JSON or
    out of bounds)."""
    try:
        parsed = load_definition(definition)
    except ValueError:  # BoundExceeded included
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


def read_report(s3: S3Client, uri: str) -> Any:
    """The JSON document at an S3 URI: at most MAX_REPORT_BYTES are read (a larger object is
    BoundExceeded, not cut), nested at most MAX_JSON_DEPTH; ValueError when not JSON."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    answer = s3.get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{MAX_REPORT_BYTES}")
    body = answer["Body"]
    try:
        data = body.read(MAX_REPORT_BYTES + 1)
    finally:
        body.close()
    return bounded_json(data, f"report {uri}", MAX_REPORT_BYTES, MAX_JSON_DEPTH)


def job_reports(
    s3: S3Client,
    job_arn: str,
    job: Mapping[str, Any],
    files: list[Mapping[str, Any]],
    execution_arn: str | None = None,
) -> tuple[list[Report], list[PipelineWarning], list[ItemError]]:
    """The reports of one job's property files; a report that cannot be read (AWS said no,
    too large or deep, not JSON) is a warning, any other failure an error naming the object."""
    reports, warnings, errors = [], [], []
    for declared in files:
        folder = _output_uri(job, declared.get("OutputName"))
        if not folder or not isinstance(folder, str) or not declared.get("FilePath"):
            continue
        uri = f"{folder.rstrip('/')}/{declared['FilePath']}"
        try:
            document = read_report(s3, uri)
            metrics = dict(list(numeric_leaves(document))[:MAX_METRICS])
        except AWS_ERRORS as error:
            message = clip(f"report {uri}: {error_code(error)}: {error}")
            warnings.append(PipelineWarning("report_unreadable", message, execution_arn))
            continue
        except BoundExceeded as error:
            warnings.append(PipelineWarning(f"report_{error.code}", str(error), execution_arn))
            continue
        except ValueError as error:
            message = clip(f"report {uri}: not JSON: {error}")
            warnings.append(PipelineWarning("report_not_json", message, execution_arn))
            continue
        except Exception as error:  # one report never stops its pipeline
            errors.append(ItemError(uri, error_code(error), clip(f"report {uri}: {error!r}")))
            continue
        reports.append(Report(job_arn, str(declared.get("PropertyFileName")), uri, metrics))
    return reports, warnings, errors
