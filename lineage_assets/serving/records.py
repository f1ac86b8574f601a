"""Typed rows of the serving tables, and the `SourceRecords` of one resource (one source per
model, endpoint config, endpoint, monitoring schedule or transform job)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from lineage_assets.serving.ids import ResourceKind, resource_key
from lineage_assets.store.records import SourceRecords


@dataclass(frozen=True)
class Place:
    """Where a resource lives: its account and region."""

    account_id: str
    region: str


@dataclass(frozen=True)
class ContainerRow:
    """One container of a model (`serving_model_containers`)."""

    source_key: str
    account_id: str
    region: str
    model_arn: str
    position: int
    hostname: str | None
    image: str | None
    mode: str | None
    model_data_url: str | None
    model_data_field: str | None
    model_package_arn: str | None


@dataclass(frozen=True)
class ModelRow:
    """One model (`serving_models`)."""

    source_key: str
    account_id: str
    region: str
    model_name: str
    model_arn: str
    created_at: datetime | None
    execution_role_arn: str | None
    network_isolation: bool | None
    inference_mode: str | None


@dataclass(frozen=True)
class VariantRow:
    """One production or shadow variant of an endpoint config (`serving_variants`)."""

    source_key: str
    account_id: str
    region: str
    config_arn: str
    variant_name: str
    variant_type: str
    model_name: str | None
    model_arn: str | None
    instance_type: str | None
    initial_instance_count: int | None
    serverless: bool


@dataclass(frozen=True)
class CaptureConfig:
    """Where and what an endpoint (config) captures: the S3 prefix, Input/Output, sampling."""

    enabled: bool | None = None
    destination: str | None = None
    options: tuple[str, ...] = ()
    sampling_percentage: int | None = None
    kms_key_id: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class ConfigRow:
    """One endpoint config (`serving_endpoint_configs`)."""

    source_key: str
    account_id: str
    region: str
    config_name: str
    config_arn: str
    created_at: datetime | None
    kms_key_id: str | None
    capture_enabled: bool | None
    capture_destination: str | None
    capture_options: list[str]
    capture_sampling_percentage: int | None
    capture_kms_key_id: str | None
    async_output_uri: str | None
    async_failure_uri: str | None


@dataclass(frozen=True)
class EndpointRow:
    """One endpoint (`serving_endpoints`)."""

    source_key: str
    account_id: str
    region: str
    endpoint_name: str
    endpoint_arn: str
    status: str | None
    failure_reason: str | None
    config_name: str | None
    config_arn: str | None
    pending_config_name: str | None
    created_at: datetime | None
    last_modified_at: datetime | None
    capture_enabled: bool | None
    capture_status: str | None
    capture_destination: str | None
    capture_sampling_percentage: int | None
    capture_kms_key_id: str | None
    capture_options: list[str]
    async_output_uri: str | None


@dataclass(frozen=True)
class ScheduleRow:
    """One monitoring schedule (`serving_monitoring_schedules`)."""

    source_key: str
    account_id: str
    region: str
    schedule_name: str
    schedule_arn: str
    status: str | None
    monitoring_type: str | None
    endpoint_name: str | None
    job_definition_name: str | None
    created_at: datetime | None
    last_modified_at: datetime | None
    failure_reason: str | None


@dataclass(frozen=True)
class MonitoringIoRow:
    """A location a monitoring schedule reads (`baseline`, `input`) or writes (`output`)."""

    source_key: str
    account_id: str
    region: str
    schedule_arn: str
    direction: str
    channel: str
    uri: str


@dataclass(frozen=True)
class TransformJobRow:
    """One batch transform job (`serving_transform_jobs`); `pipeline_execution_arn` set when a
    pipeline ran it (kept so it is not described again; the pipeline crawl states its edges)."""

    source_key: str
    account_id: str
    region: str
    job_name: str
    job_arn: str
    status: str | None
    failure_reason: str | None
    model_name: str | None
    model_arn: str | None
    created_at: datetime | None
    last_modified_at: datetime | None
    input_uri: str | None
    input_data_type: str | None
    output_uri: str | None
    capture_destination: str | None
    pipeline_execution_arn: str | None


@dataclass(frozen=True)
class InferenceComponentRow:
    """A model hosted on an endpoint as an inference component (`serving_inference_components`),
    or an artefact hosted without a model (`artifact_url`)."""

    source_key: str
    account_id: str
    region: str
    component_name: str
    component_arn: str
    endpoint_name: str | None
    endpoint_arn: str | None
    variant_name: str | None
    model_name: str | None
    model_arn: str | None
    artifact_url: str | None
    status: str | None
    created_at: datetime | None
    last_modified_at: datetime | None


@dataclass(frozen=True)
class Resource:
    """One described resource, ready to write: its kind, name, ARN, fingerprint and rows."""

    kind: ResourceKind
    place: Place
    name: str
    arn: str
    fingerprint: str
    rows: dict[str, list[object]] = field(default_factory=dict)

    @property
    def source_key(self) -> str:
        """`<kind>:<account>/<region>/<name>`."""
        return resource_key(self.kind, self.place.account_id, self.place.region, self.name)

    def records(self) -> SourceRecords:
        """The resource as one store source, its fingerprint as `content_hash`."""
        records = SourceRecords(
            self.source_key, self.kind.value, self.arn, content_hash=self.fingerprint
        )
        for table, rows in self.rows.items():
            records.add(table, rows)
        return records
