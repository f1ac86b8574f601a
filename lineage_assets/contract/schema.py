"""The contract's JSON Schema (schema.json beside this module) and validation against it."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).with_name("schema.json")


@cache
def contract_schema() -> dict[str, Any]:
    """The whole schema: the lineage document at the root, every API response under $defs."""
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _validator(definition: str) -> jsonschema.Draft202012Validator:
    schema = contract_schema()
    target = schema if definition == "lineage" else {**schema, "$ref": f"#/$defs/{definition}"}
    return jsonschema.Draft202012Validator(target)


def validation_errors(document: Any, definition: str = "lineage") -> list[str]:
    """Every way the document breaks the named definition (`lineage`, `pipelines`, …)."""
    if definition not in contract_schema()["$defs"]:
        raise KeyError(f"no definition {definition!r} in {SCHEMA_PATH.name}")
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in _validator(definition).iter_errors(document)
    ]
