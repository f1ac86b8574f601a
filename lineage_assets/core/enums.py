"""Enumerations stored in tables: what a node is, how an edge was known, how a column changed."""

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
