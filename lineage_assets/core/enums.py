"""Enumerations stored in tables: what a node is, how an edge was known, how a column changed,
what personal data a column holds."""

from __future__ import annotations

from enum import StrEnum


class NodeKind(StrEnum):
    """The prefix of a node id, naming what the node is."""

    TABLE = "table"
    COLUMN = "column"
    DATA = "data"
    STEP = "step"
    EXECUTION = "execution"
    MODEL_PACKAGE = "model_package"
    FEATURE_GROUP = "feature_group"
    MODEL = "model"
    ENDPOINT_CONFIG = "endpoint_config"
    ENDPOINT = "endpoint"
    TRANSFORM_JOB = "transform_job"
    MONITORING_SCHEDULE = "monitoring_schedule"
    QUERY = "query"


class Provenance(StrEnum):
    """How an edge became known: read from code, declared in a definition, seen in a run, or
    inferred by joining sources."""

    PARSED = "parsed"
    DECLARED = "declared"
    OBSERVED = "observed"
    INFERRED = "inferred"


class Transform(StrEnum):
    """What happened to a value on a column edge, weakest first (see `sql.transforms.RANK`)."""

    IDENTITY = "identity"
    RENAME = "rename"
    CAST = "cast"
    EXPRESSION = "expression"
    CASE = "case"
    WINDOW = "window"
    AGGREGATE = "aggregate"
    MASKING = "masking"


# A value still readable after these transforms: PII flows through them.
CARRYING_TRANSFORMS = frozenset(
    {
        Transform.IDENTITY,
        Transform.RENAME,
        Transform.CAST,
        Transform.EXPRESSION,
        Transform.CASE,
        Transform.WINDOW,
    }
)


class PiiClass(StrEnum):
    """A kind of personal data the classifier finds in a column and the graph propagates (an
    analyst's override may name another)."""

    EMAIL = "email"
    PHONE = "phone"
    KR_RRN = "kr_rrn"
    PERSON_NAME = "person_name"
    ADDRESS = "address"
    DATE_OF_BIRTH = "date_of_birth"
    PAYMENT_CARD = "payment_card"
    BANK_ACCOUNT = "bank_account"
    PASSPORT = "passport"
    IP_ADDRESS = "ip_address"


NOT_PII = "none"
"""The class an analyst's override sets to say a column holds no personal data."""
