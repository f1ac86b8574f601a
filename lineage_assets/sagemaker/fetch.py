"""What one pipeline's crawl reads from the SageMaker API (boto3): current definition, latest
executions, their steps, jobs, model packages and the feature groups the steps touch.

Incremental: a pipeline whose definition and latest executions match what the store holds, all
terminal, costs DescribePipeline + ListPipelineExecutions and nothing else. Job descriptions
already stored for a finished job are reused, and each job is described once per crawl.

A definition beyond the bounds (`bounds`) fails its pipeline (BoundExceeded). AWS refusing an
execution, job or model package fails the pipeline too, naming the part (CrawlItemError), so
its last good rows stay; any other failure of one part skips that part with an ItemError and a
warning, and the rest of the pipeline lands.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from lineage_assets.aws import AWS_ERRORS, error_code, largest_pages
from lineage_assets.sagemaker.bounds import (
    DEFAULT_EXECUTIONS,
    MAX_DEFINITION_CHARS,
    MAX_LISTED,
    MAX_STEPS,
    BoundExceeded,
    PipelineWarning,
    clip,
    load_definition,
)
from lineage_assets.sagemaker.clients import S3Client, SageMakerClient
from lineage_assets.sagemaker.expressions import walk_steps
from lineage_assets.sagemaker.inventory import (
    Domain,
    Pipeline,
    definition_hash,
    list_tags,
    match_domain,
)
from lineage_assets.sagemaker.reports import (
    ItemError,
    Report,
    job_reports,
    property_files,
)
from lineage_assets.sagemaker.steps import JOB_TYPES

TERMINAL_EXECUTION = frozenset({"Succeeded", "Failed", "Stopped"})
TERMINAL_JOB = frozenset({"Completed", "Failed", "Stopped"})


class CrawlItemError(Exception):
    """AWS refused one part of a pipeline (`location`: an execution, job or package ARN)."""

    def __init__(self, location: str, error: BaseException) -> None:
        super().__init__(f"{location}: {error_code(error)}: {error}")
        self.location = location
        self.error = error


@dataclass(frozen=True)
class PipelineState:
    """What the store holds from the last crawl of a pipeline (for incremental re-crawls)."""

    definition_hash: str | None = None
    executions: Mapping[str, str] = field(default_factory=dict)  # arn → status
    jobs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # arn → description
    reports: Mapping[str, tuple[Report, ...]] = field(default_factory=dict)  # job arn → read


@dataclass(frozen=True)
class StepRun:
    """One ListPipelineExecutionSteps entry, with what its Metadata points at."""

    entry: Mapping[str, Any]
    job_arn: str | None
    job_kind: str | None
    model_package_arn: str | None
    model_arn: str | None

    @property
    def name(self) -> str:
        """The step name."""
        return str(self.entry.get("StepName"))

    @property
    def cache_source(self) -> str | None:
        """The execution whose outputs a cache hit reused; None when the step ran."""
        source = (self.entry.get("CacheHitResult") or {}).get("SourcePipelineExecutionArn")
        return source or None


@dataclass(frozen=True)
class Execution:
    """One crawled execution: summary, definition as run, parameters passed, steps."""

    arn: str
    summary: Mapping[str, Any]
    description: Mapping[str, Any]
    definition: str
    passed: Mapping[str, str]
    steps: tuple[StepRun, ...]

    @property
    def execution_id(self) -> str:
        """The last segment of the ARN (`Execution.PipelineExecutionId`)."""
        return self.arn.rsplit("/", 1)[-1]

    @property
    def status(self) -> str | None:
        """PipelineExecutionStatus."""
        return self.summary.get("PipelineExecutionStatus")


@dataclass(frozen=True)
class FeatureGroup:
    """A described feature group of an account and region."""

    account_id: str
    region: str
    description: Mapping[str, Any]

    @property
    def name(self) -> str:
        """FeatureGroupName."""
        return str(self.description.get("FeatureGroupName"))

    @property
    def offline_uri(self) -> str | None:
        """The configured offline-store S3 URI."""
        return (
            (self.description.get("OfflineStoreConfig") or {}).get("S3StorageConfig") or {}
        ).get("S3Uri")

    @property
    def resolved_uri(self) -> str | None:
        """ResolvedOutputS3Uri: where the offline data really lands."""
        storage = (self.description.get("OfflineStoreConfig") or {}).get("S3StorageConfig") or {}
        return storage.get("ResolvedOutputS3Uri")


@dataclass(frozen=True)
class PipelineCrawl:
    """Everything read for one pipeline in one crawl."""

    pipeline: Pipeline
    executions: tuple[Execution, ...]
    jobs: Mapping[str, Mapping[str, Any]]  # job arn → description
    model_packages: Mapping[str, Mapping[str, Any]]  # arn → description
    feature_groups: tuple[FeatureGroup, ...]
    warnings: tuple[PipelineWarning, ...] = ()
    reports: Mapping[str, tuple[Report, ...]] = field(default_factory=dict)  # job arn → reports
    errors: tuple[ItemError, ...] = ()  # parts skipped, each an error row naming the part


@dataclass
class CrawlCache:
    """Per-crawl memory shared by all pipelines of a region: jobs, packages, feature groups.

    Pipelines crawled by several threads share it: `once` serialises the work on one key, so
    each item is still fetched once per crawl, whichever thread needs it first."""

    jobs: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    model_packages: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    feature_groups: dict[str, tuple[FeatureGroup, ...]] = field(default_factory=dict)
    reports: dict[str, tuple[Report, ...]] = field(default_factory=dict)
    _locks: dict[tuple[str, str], threading.Lock] = field(
        default_factory=dict, repr=False, compare=False
    )
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @contextmanager
    def once(self, kind: str, key: str) -> Iterator[None]:
        """Hold the lock of one item (`kind`, `key`) while it is looked up or fetched."""
        with self._guard:
            lock = self._locks.setdefault((kind, key), threading.Lock())
        with lock:
            yield


def _step_run(entry: Mapping[str, Any]) -> StepRun:
    """Pick the job, model package and model ARN out of a step's Metadata."""
    metadata = entry.get("Metadata") or {}
    job_arn = job_kind = None
    for key in JOB_TYPES:
        if isinstance(metadata.get(key), Mapping) and metadata[key].get("Arn"):
            job_arn, job_kind = metadata[key]["Arn"], key
    package = (metadata.get("RegisterModel") or {}).get("Arn")
    model = (metadata.get("Model") or {}).get("Arn")
    return StepRun(entry, job_arn, job_kind, package, model)


def latest_executions(sagemaker: SageMakerClient, name: str, count: int) -> list[dict[str, Any]]:
    """The newest `count` execution summaries in one call (sorted again client-side)."""
    answer = sagemaker.list_pipeline_executions(
        PipelineName=name,
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=max(1, min(count, 100)),
    )
    summaries = list(answer.get("PipelineExecutionSummaries", []))
    summaries.sort(key=lambda s: str(s.get("StartTime") or ""), reverse=True)
    return summaries[:count]


def is_unchanged(
    state: PipelineState | None, digest: str, summaries: Sequence[Mapping[str, Any]]
) -> bool:
    """Same definition, same latest executions with the same statuses, all finished."""
    if state is None or state.definition_hash != digest:
        return False
    seen = {s["PipelineExecutionArn"]: s.get("PipelineExecutionStatus") for s in summaries}
    return seen == dict(state.executions) and all(v in TERMINAL_EXECUTION for v in seen.values())


def _paged(sagemaker: SageMakerClient, operation: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item of a paginated list operation; BoundExceeded past MAX_LISTED items (an
    endpoint that pages forever never exhausts memory)."""
    items: list[Any] = []
    pages = sagemaker.get_paginator(operation).paginate(
        **kwargs, **largest_pages(sagemaker, operation)
    )
    for page in pages:
        items.extend(page.get(key, []))
        if len(items) > MAX_LISTED:
            raise BoundExceeded("too_many_items", f"{operation} lists more than {MAX_LISTED}")
    return items


def crawl_execution(sagemaker: SageMakerClient, summary: Mapping[str, Any]) -> Execution:
    """Describe one execution: its definition as run, passed parameters and steps."""
    arn = summary["PipelineExecutionArn"]
    description = sagemaker.describe_pipeline_execution(PipelineExecutionArn=arn)
    definition = sagemaker.describe_pipeline_definition_for_execution(PipelineExecutionArn=arn)
    parameters = _paged(
        sagemaker,
        "list_pipeline_parameters_for_execution",
        "PipelineParameters",
        PipelineExecutionArn=arn,
    )
    steps = _paged(
        sagemaker,
        "list_pipeline_execution_steps",
        "PipelineExecutionSteps",
        PipelineExecutionArn=arn,
        SortOrder="Ascending",
    )
    text = definition.get("PipelineDefinition") or ""
    if not isinstance(text, str) or len(text) > MAX_DEFINITION_CHARS:
        raise BoundExceeded(
            "too_large",
            f"definition of execution {arn} is not text of at most "
            f"{MAX_DEFINITION_CHARS} characters",
        )
    return Execution(
        arn,
        summary,
        description,
        text,
        {p["Name"]: p.get("Value", "") for p in parameters},
        tuple(_step_run(step) for step in steps),
    )


def describe_job(
    sagemaker: SageMakerClient, arn: str, kind: str, state: PipelineState, cache: CrawlCache
) -> Mapping[str, Any]:
    """A job's description: from this crawl, from the store when finished, else one call."""
    with cache.once("job", arn):
        return _describe_job(sagemaker, arn, kind, state, cache)


def _describe_job(
    sagemaker: SageMakerClient, arn: str, kind: str, state: PipelineState, cache: CrawlCache
) -> Mapping[str, Any]:
    """`describe_job` under the job's lock."""
    if arn in cache.jobs:
        return cache.jobs[arn]
    stored = state.jobs.get(arn)
    if stored is not None and _job_status(stored) in TERMINAL_JOB:
        cache.jobs[arn] = stored
        return stored
    _, method, parameter = JOB_TYPES[kind]
    answer = getattr(sagemaker, method)(**{parameter: arn.rsplit("/", 1)[-1]})
    described = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    cache.jobs[arn] = described
    return described


def _job_status(description: Mapping[str, Any]) -> str | None:
    """The status field of any Describe*Job answer."""
    return next(
        (v for k, v in description.items() if k.endswith("JobStatus") and isinstance(v, str)),
        None,
    )


def describe_model_package(
    sagemaker: SageMakerClient, arn: str, cache: CrawlCache
) -> Mapping[str, Any]:
    """A model package version's description, once per crawl."""
    with cache.once("model_package", arn):
        if arn not in cache.model_packages:
            answer = sagemaker.describe_model_package(ModelPackageName=arn)
            described = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
            cache.model_packages[arn] = described
        return cache.model_packages[arn]


def region_feature_groups(
    sagemaker: SageMakerClient, account_id: str, region: str, cache: CrawlCache
) -> tuple[FeatureGroup, ...]:
    """Every feature group of the account and region, described once per crawl (only when
    first needed)."""
    scope = f"{account_id}/{region}"
    with cache.once("feature_groups", scope):
        if scope not in cache.feature_groups:
            summaries = _paged(sagemaker, "list_feature_groups", "FeatureGroupSummaries")
            described = []
            for summary in summaries:
                name = summary["FeatureGroupName"]
                answer = sagemaker.describe_feature_group(FeatureGroupName=name)
                fields = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
                described.append(FeatureGroup(account_id, region, fields))
            cache.feature_groups[scope] = tuple(described)
        return cache.feature_groups[scope]


def check_definition(definition: str) -> None:
    """BoundExceeded when a definition is too large, nests too deep or has too many steps.
    Text that is not JSON passes: it lands with a warning."""
    try:
        parsed = load_definition(definition)
    except BoundExceeded:
        raise
    except ValueError:
        return
    if isinstance(parsed, Mapping):
        count = sum(1 for _ in walk_steps(parsed.get("Steps")))
        if count > MAX_STEPS:
            raise BoundExceeded(
                "too_many_steps", f"definition has {count} steps (at most {MAX_STEPS})"
            )


@dataclass
class _Problems:
    """Warnings and skipped parts collected while crawling one pipeline."""

    warnings: list[PipelineWarning] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)

    def skipped(self, kind: str, location: str, error: BaseException, execution: str | None):
        """Record a part that failed with something other than an AWS refusal."""
        kind_of_error = error.code if isinstance(error, BoundExceeded) else error_code(error)
        message = clip(f"{kind} {location} not read: {kind_of_error}: {error}")
        self.errors.append(ItemError(location, kind_of_error, message))
        self.warnings.append(PipelineWarning(f"{kind}_failed", message, execution))


def _executions(
    sagemaker: SageMakerClient, summaries: Sequence[Mapping[str, Any]], problems: _Problems
) -> tuple[Execution, ...]:
    """Each execution crawled on its own: AWS refusing one fails the pipeline (naming it),
    anything else skips it."""
    runs = []
    for summary in summaries:
        arn = str(summary.get("PipelineExecutionArn"))
        try:
            runs.append(crawl_execution(sagemaker, summary))
        except AWS_ERRORS as error:
            raise CrawlItemError(arn, error) from error
        except Exception as error:  # one execution never stops its pipeline
            problems.skipped("execution", arn, error, arn)
    return tuple(runs)


def _described(
    sagemaker: SageMakerClient,
    runs: tuple[Execution, ...],
    state: PipelineState,
    cache: CrawlCache,
    problems: _Problems,
) -> tuple[dict[str, Mapping[str, Any]], dict[str, Mapping[str, Any]]]:
    """The jobs and model packages the steps of the runs point at, each on its own."""
    jobs: dict[str, Mapping[str, Any]] = {}
    packages: dict[str, Mapping[str, Any]] = {}
    failed: set[str | None] = set()  # a cached step points at the same failing job: once
    for run in runs:
        for step in run.steps:
            arn = step.job_arn
            if arn in failed or step.model_package_arn in failed:
                continue
            try:
                if arn and step.job_kind:
                    jobs[arn] = describe_job(sagemaker, arn, step.job_kind, state, cache)
                arn = step.model_package_arn
                if arn:
                    packages[arn] = describe_model_package(sagemaker, arn, cache)
            except AWS_ERRORS as error:
                raise CrawlItemError(str(arn), error) from error
            except Exception as error:  # one job never stops its pipeline
                failed.add(arn)
                problems.skipped("job", str(arn), error, run.arn)
    return jobs, packages


def crawl_pipeline(
    sagemaker: SageMakerClient,
    account_id: str,
    region: str,
    summary: Mapping[str, Any],
    domains: list[Domain],
    *,
    state: PipelineState | None = None,
    cache: CrawlCache | None = None,
    executions: int = DEFAULT_EXECUTIONS,
    s3: S3Client | None = None,
) -> PipelineCrawl | None:
    """Crawl one listed pipeline; None when it is unchanged since `state` (2 calls spent).

    With an `s3` client, the reports that steps' PropertyFiles point at are read (bounded).
    """
    cache = cache if cache is not None else CrawlCache()
    state = state or PipelineState()
    name = summary["PipelineName"]
    description = sagemaker.describe_pipeline(PipelineName=name)
    definition = description.get("PipelineDefinition") or ""
    if not isinstance(definition, str):
        raise TypeError(f"PipelineDefinition is a {type(definition).__name__}, not text")
    check_definition(definition)
    summaries = latest_executions(sagemaker, name, executions)
    if is_unchanged(state, definition_hash(definition), summaries):
        return None
    arn = summary.get("PipelineArn") or description["PipelineArn"]
    tags = list_tags(sagemaker, arn)
    pipeline = Pipeline(
        account_id=account_id,
        region=region,
        name=name,
        arn=arn,
        definition=definition,
        tags=tags,
        domain=match_domain(tags, domains),
        summary=dict(summary),
        description={k: v for k, v in description.items() if k != "ResponseMetadata"},
    )
    problems = _Problems()
    runs = _executions(sagemaker, summaries, problems)
    jobs, packages = _described(sagemaker, runs, state, cache, problems)
    try:
        groups = region_feature_groups(sagemaker, account_id, region, cache)
    except Exception as error:  # feature groups are optional context
        groups = ()
        message = clip(f"feature groups of {region}: {error_code(error)}: {error}")
        problems.warnings.append(PipelineWarning("feature_groups_unreadable", message))
    for arn, known in state.reports.items():  # finished jobs' reports never change
        cache.reports.setdefault(arn, known)
    reports = evaluation_reports(s3, runs, jobs, cache, problems) if s3 is not None else {}
    return PipelineCrawl(
        pipeline,
        runs,
        jobs,
        packages,
        groups,
        tuple(problems.warnings),
        reports,
        tuple(problems.errors),
    )


def evaluation_reports(
    s3: S3Client,
    runs: tuple[Execution, ...],
    jobs: Mapping[str, Mapping[str, Any]],
    cache: CrawlCache,
    problems: _Problems,
) -> dict[str, tuple[Report, ...]]:
    """Reports of every job whose step declares PropertyFiles, each job's read once."""
    found: dict[str, tuple[Report, ...]] = {}
    for run in runs:
        declared = property_files(run.definition)
        for step in run.steps:
            arn = step.job_arn
            if not arn or arn not in jobs or step.name not in declared:
                continue
            with cache.once("report", arn):
                if arn not in cache.reports:
                    reports, warnings, errors = job_reports(
                        s3, arn, jobs[arn], declared[step.name], run.arn
                    )
                    cache.reports[arn] = tuple(reports)
                    problems.warnings.extend(warnings)
                    problems.errors.extend(errors)
                found[arn] = cache.reports[arn]
    return found
