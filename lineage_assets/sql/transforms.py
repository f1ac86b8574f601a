"""Transform classes of a column edge and how they combine along a path and across paths.

Ranks order how much a value is changed; `masking` and `aggregate` are where PII propagation
stops, so along a chain the strongest class wins and across parallel paths the weakest does.
"""

from __future__ import annotations

from sqlglot import exp

from lineage_assets.core.enums import Transform

# The class names as stored (plain strings), one per `Transform`, declared weakest first.
IDENTITY = Transform.IDENTITY.value
RENAME = Transform.RENAME.value
CAST = Transform.CAST.value
EXPRESSION = Transform.EXPRESSION.value
CASE = Transform.CASE.value
WINDOW = Transform.WINDOW.value
AGGREGATE = Transform.AGGREGATE.value
MASKING = Transform.MASKING.value

RANK = {transform.value: rank for rank, transform in enumerate(Transform)}

# Flags gathered on the way from a projection down to one column reference.
F_CAST = 1
F_EXPRESSION = 2
F_CASE = 4
F_WINDOW = 8
F_AGGREGATE = 16
F_MASKING = 32
F_WINDOW_FUNCTION = 64  # transient: the node is the function a window applies

_FLAG_CLASSES = (
    (F_MASKING, MASKING),
    (F_AGGREGATE, AGGREGATE),
    (F_WINDOW, WINDOW),
    (F_CASE, CASE),
    (F_EXPRESSION, EXPRESSION),
    (F_CAST, CAST),
)

MASKING_FUNCTIONS: tuple[type[exp.Expr], ...] = (
    exp.MD5,
    exp.MD5Digest,
    exp.MD5NumberLower64,
    exp.MD5NumberUpper64,
    exp.SHA,
    exp.SHA1Digest,
    exp.SHA2,
    exp.SHA2Digest,
    exp.StandardHash,
    exp.FarmFingerprint,
    exp.Encrypt,
    exp.EncryptRaw,
    exp.Substring,
    exp.Left,
    exp.Right,
    exp.RegexpReplace,
)

MASKING_NAME_PREFIXES = (
    "mask",
    "redact",
    "hash",
    "sha",
    "md5",
    "xxhash",
    "crc32",
    "murmur",
    "hmac",
    "anonymi",
    "pseudonymi",
    "tokeni",
    "obfuscat",
    "encrypt",
    "aes_encrypt",
    "substr",
    "truncate_string",
)

CAST_NODES: tuple[type[exp.Expr], ...] = (exp.Cast, exp.TryCast)
CASE_NODES: tuple[type[exp.Expr], ...] = (exp.Case, exp.If)
TRANSPARENT_NODES: tuple[type[exp.Expr], ...] = (exp.Paren, exp.Alias)


def is_masking(node: exp.Expr) -> bool:
    """Whether a function hashes, masks, encrypts or truncates its argument."""
    if isinstance(node, MASKING_FUNCTIONS):
        return True
    if isinstance(node, exp.Anonymous):
        return node.name.lower().startswith(MASKING_NAME_PREFIXES)
    return False


def node_flags(node: exp.Expr, flags: int) -> int:
    """The flags for the children of `node`, given the flags that reached it."""
    if isinstance(node, TRANSPARENT_NODES):
        return flags
    if isinstance(node, exp.Window):
        return flags | F_WINDOW | F_WINDOW_FUNCTION
    window_function = flags & F_WINDOW_FUNCTION
    flags &= ~F_WINDOW_FUNCTION
    if is_masking(node):
        return flags | F_MASKING
    if isinstance(node, (exp.WithinGroup, exp.Filter)):
        return flags | F_AGGREGATE  # LISTAGG(…) WITHIN GROUP (ORDER BY …), count(…) FILTER (…)
    if isinstance(node, exp.AggFunc):
        # `sum(x) OVER (…)` is a window (each row keeps its own); `sum(sum(x)) OVER` aggregates.
        return flags if window_function else flags | F_AGGREGATE
    if isinstance(node, CASE_NODES):
        return flags | F_CASE
    if isinstance(node, CAST_NODES):
        return flags | F_CAST
    return flags | F_EXPRESSION


def flags_class(flags: int, renamed: bool) -> str:
    """The transform class of one path: its strongest flag, else identity or rename."""
    for flag, name in _FLAG_CLASSES:
        if flags & flag:
            return name
    return RENAME if renamed else IDENTITY


def chain(outer: str, inner: str) -> str:
    """A value transformed by `inner` and then by `outer`: the stronger class."""
    return outer if RANK[outer] >= RANK[inner] else inner


def parallel(first: str, second: str) -> str:
    """One column reaching a target along two paths: the weaker class (the leakier path)."""
    return first if RANK[first] <= RANK[second] else second
