# ruff: noqa: S608 - the SQL texts are parser input, never executed
"""Hostile and mutated inputs through the public parsers: SQL (`extract_lineage`), SageMaker
definitions (`pipeline_lineage`) and S3 objects (`sample_dataset` on an in-process moto S3).

Every case must return (bad input becomes an error or a warning in the result) and none may
raise, whatever the input: deep nesting, huge single lines, binary and invalid UTF-8, gzip
bombs, truncated footers, odd and long names. `run` is the full benchmark; the tests run a
few hundred cases through `check_all` without timing.
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import random
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from benchmarks.harness import Result, figure, header, note, report, seconds

# Per-case wall-time cap of the benchmark (the tests do not time); a case over it is a finding.
CASE_CAP_S = 10.0
# A case still running after this is interrupted so one hang cannot stall the whole run.
HANG_S = 60

SQL_SEEDS = (
    "SELECT a, b FROM raw.orders o JOIN raw.customers c ON c.id = o.customer_id WHERE o.x > 1;",
    "CREATE TABLE mart.daily AS WITH t AS (SELECT id, sum(v) AS s FROM raw.events GROUP BY id) "
    "SELECT * FROM t;",
    "INSERT INTO mart.m (id, total) SELECT id, CASE WHEN n > 3 THEN 'a' ELSE 'b' END FROM s.t;",
    "MERGE INTO tgt USING src ON tgt.id = src.id WHEN MATCHED THEN UPDATE SET v = src.v;",
    "select {{ ref('orders') }}.id from {{ source('raw', 'x') }} {% if is_incremental() %}"
    " where ts > (select max(ts) from {{ this }}) {% endif %}",
    "UPDATE t SET a = (SELECT max(b) FROM u WHERE u.id = t.id); DELETE FROM t WHERE a IS NULL;",
)
SQL_DIALECTS = (None, "athena", "spark", "duckdb", "snowflake", "bigquery", "postgres", "nonsense")


@dataclass(frozen=True)
class Case:
    """One hostile input: which parser, a short label, and a call that runs it."""

    parser: str
    label: str
    call: Callable[[], object]


@dataclass
class Tally:
    """Outcomes per parser: cases run, exceptions that escaped, cases over the time cap."""

    runs: Counter[str] = field(default_factory=Counter)
    escaped: list[str] = field(default_factory=list)
    slow: list[str] = field(default_factory=list)
    slowest: dict[str, float] = field(default_factory=dict)


class _Hang(Exception):
    """Raised by the alarm in a case that ran past `HANG_S`."""


@contextmanager
def _hang_guard(limit_s: int) -> Iterator[None]:
    """Interrupt the case after `limit_s` seconds (main thread, POSIX); no guard elsewhere."""

    def interrupt(signum: int, frame: object) -> None:
        raise _Hang(f"still running after {limit_s} s")

    try:
        previous = signal.signal(signal.SIGALRM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    signal.alarm(limit_s)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_case(case: Case, tally: Tally, cap_s: float | None, hang_s: int | None) -> None:
    """Run one case, recording an escaped exception or a time over the cap."""
    start = time.perf_counter()
    try:
        if hang_s:
            with _hang_guard(hang_s):
                case.call()
        else:
            case.call()
    except BaseException as error:  # anything escaping is the finding
        if isinstance(error, KeyboardInterrupt):
            raise
        text = (str(error).splitlines() or [""])[0][:120]
        tally.escaped.append(f"{case.parser} {case.label}: {type(error).__name__}: {text}")
    elapsed = time.perf_counter() - start
    tally.runs[case.parser] += 1
    tally.slowest[case.parser] = max(tally.slowest.get(case.parser, 0.0), elapsed)
    if cap_s is not None and elapsed > cap_s:
        tally.slow.append(f"{case.parser} {case.label}: {elapsed:.1f} s")


# -- SQL ------------------------------------------------------------------------------------


def _mutate_text(text: str, rng: random.Random) -> str:
    """One mutation: cut, insert noise, duplicate a slice, flip case, or splice brackets."""
    choice = rng.randrange(6)
    at = rng.randrange(max(1, len(text)))
    if choice == 0:
        return text[:at]
    if choice == 1:
        noise = "".join(
            chr(rng.choice([0, 0x7F, 0xFFFD, 0x202E, 0xD800 + 1, rng.randrange(0x250)]))
            for _ in range(rng.randrange(1, 8))
        )
        return text[:at] + noise + text[at:]
    if choice == 2:
        piece = text[at : at + rng.randrange(1, 40)]
        return text[:at] + piece * rng.randrange(2, 50) + text[at:]
    if choice == 3:
        return "".join(c.upper() if rng.random() < 0.5 else c for c in text)
    if choice == 4:
        return (
            text[:at]
            + rng.choice(["(", ")", "'", '"', "`", "/*", "--", "$$", "{{", "{%"])
            + text[at:]
        )
    return text.replace(" ", rng.choice(["\n", "\t", "\r", "\x0b", "\u00a0", "  "]))


def hostile_sql(count: int, rng: random.Random, scale: float = 1) -> Iterator[tuple[str, str]]:
    """(label, SQL): crafted extremes first, then mutations of the seeds."""
    crafted = [
        ("many statements one line", "SELECT 1 AS c;" * int(2_000 * scale)),
        ("deep parentheses", "SELECT " + "(" * int(5_000 * scale) + "1" + ")" * int(5_000 * scale)),
        ("deep subqueries", "SELECT * FROM " + "(SELECT * FROM " * 500 + "t" + ") x" * 500),
        ("deep CASE", "SELECT " + "CASE WHEN a THEN " * 1_000 + "1" + " END" * 1_000),
        ("long chain of ORs", "SELECT 1 WHERE " + " OR ".join(f"a = {i}" for i in range(20_000))),
        ("wide select", "SELECT " + ", ".join(f"c{i}" for i in range(20_000)) + " FROM t"),
        ("long identifier", f"SELECT a FROM {'x' * 100_000}"),
        ("long string", "SELECT '" + "a" * int(1_000_000 * scale) + "'"),
        ("unterminated string", "SELECT 'abc" + " x" * 50_000),
        ("unterminated comment", "/* " + "SELECT 1; " * 10_000),
        ("only semicolons", ";" * 100_000),
        ("NUL bytes", "SELECT 1\x00; SELECT\x00 2 FROM t\x00"),
        ("lone surrogate", "SELECT '\ud800' FROM t"),
        ("right-to-left override", "SELECT a\u202e FROM t\u202e"),
        ("BOM and CRs", "\ufeffSELECT a\rFROM t\r\r;"),
        ("binary as latin-1", bytes(range(256)).decode("latin-1") * 200),
        (
            "invalid UTF-8 replaced",
            (b"SELECT \xff\xfe\xc3( FROM t" * 100).decode("utf-8", "replace"),
        ),
        ("jinja bomb", "{{ " * 10_000 + "x" + " }}" * 10_000),
        ("dollar quotes", "SELECT $$" + "a;" * 10_000),
        (
            "huge line of joins",
            "SELECT 1 FROM t0 " + " ".join(f"JOIN t{i} ON t{i}.a = t0.a" for i in range(1, 2_000)),
        ),
        (
            "joins without ON",  # sqlglot backtracks over each: time doubles per JOIN
            "SELECT a FROM t " + " ".join(f"JOIN t{i}" for i in range(10 + int(10 * scale))),
        ),
        ("empty", ""),
        ("whitespace", " \n\t\r " * 1_000),
    ]
    yield from crafted
    for number in range(max(0, count - len(crafted))):
        text = rng.choice(SQL_SEEDS)
        for _ in range(rng.randrange(1, 4)):
            text = _mutate_text(text, rng)
        yield f"mutation {number}", text


def sql_cases(count: int, rng: random.Random, scale: float = 1) -> Iterator[Case]:
    """Each hostile SQL text through `extract_lineage` under a random dialect."""
    from lineage_assets.sql import extract_lineage

    for label, text in hostile_sql(count, rng, scale):
        dialect = rng.choice(SQL_DIALECTS)
        yield Case("sql", f"{label} ({dialect})", lambda t=text, d=dialect: extract_lineage(t, d))


# -- SageMaker definitions ------------------------------------------------------------------


def _seed_definitions() -> list[dict[str, Any]]:
    """The emulator's realistic pipeline definitions."""
    from lineage_dev.emulator import definitions

    return [
        definitions.abalone_definition(),
        definitions.churn_definition(),
        definitions.fraud_definition(),
        definitions.eu_demand_definition(),
    ]


def _deep_json(depth: int, kind: str) -> str:
    """A JSON text nested `depth` deep (lists, objects, or SageMaker `Get` expressions)."""
    if kind == "list":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "1" + "}" * depth
    return '{"Std:Join":{"On":"/","Values":[' * depth + '"x"' + "]}}" * depth


def _mutate_value(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """A copy of a JSON value with random structural damage."""
    if depth > 40:
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < 0.05:
                continue  # a missing key
            if roll < 0.08:
                out[key] = rng.choice([None, 0, "", [], {}, "x" * 5_000, -1, 1e308, True])
            else:
                out[key] = _mutate_value(item, rng, depth + 1)
        return out
    if isinstance(value, list):
        items = [_mutate_value(v, rng, depth + 1) for v in value]
        if items and rng.random() < 0.1:
            items = items * rng.randrange(2, 20)
        return items
    if isinstance(value, str) and rng.random() < 0.1:
        return rng.choice(
            [
                value * 50,
                "Steps." + value,
                "s3://" + "/" * 300,
                "\x00" + value,
                "../" * 50 + value,
                "\ud800",
                "{{ cycler.__init__.__globals__.os }}",
            ]
        )
    return value


def _cyclic(definition: dict[str, Any]) -> dict[str, Any]:
    """Every step depends on the next, the last on the first."""
    steps = definition.get("Steps", [])
    names = [s.get("Name") for s in steps]
    for index, step_def in enumerate(steps):
        step_def["DependsOn"] = [names[(index + 1) % len(names)]]
    return definition


def hostile_definitions(
    count: int, rng: random.Random, scale: float = 1
) -> Iterator[tuple[str, Any]]:
    """(label, definition as text or dict): crafted extremes, then mutated real definitions."""
    seeds = _seed_definitions()
    long_name = "P" * 256
    crafted: list[tuple[str, Any]] = [
        (f"lists {int(200_000 * scale):,} deep", _deep_json(int(200_000 * scale), "list")),
        (f"objects {int(20_000 * scale):,} deep", _deep_json(int(20_000 * scale), "object")),
        ("nested Std:Join deep", _deep_json(int(5_000 * scale), "join")),
        ("not JSON", "<xml>not json</xml>"),
        ("truncated JSON", json.dumps(seeds[0])[:500]),
        ("JSON array", "[1, 2, 3]"),
        ("JSON string", '"Steps"'),
        ("empty", ""),
        ("null", "null"),
        ("huge number", '{"Version": ' + "9" * 100_000 + "}"),
        ("Steps is an object", {"Version": "2020-12-01", "Steps": {"a": 1}}),
        ("Steps of strings", {"Version": "2020-12-01", "Steps": ["x", 1, None]}),
        ("cyclic dependencies", _cyclic(json.loads(json.dumps(seeds[0])))),
        ("self dependency", {"Steps": [{"Name": "a", "Type": "Processing", "DependsOn": ["a"]}]}),
        ("missing dependency", {"Steps": [{"Name": "a", "Type": "Training", "DependsOn": ["zz"]}]}),
        (
            "long and odd names",
            {
                "Steps": [
                    {"Name": n, "Type": "Processing", "Arguments": {}}
                    for n in (long_name, "a/b", "a_b", "..", "", "\x00", "名前", "a" * 10_000)
                ]
            },
        ),
        (
            "10,000 steps",
            {
                "Steps": [
                    {"Name": f"s{i}", "Type": "Processing", "DependsOn": [f"s{i - 1}"]}
                    for i in range(10_000)
                ]
            },
        ),
        ("invalid UTF-8 bytes", b'{"Steps": ["\xff\xfe"]}'),
        ("lone surrogate escape", '{"Steps": [{"Name": "\\ud800", "Type": "Processing"}]}'),
    ]
    yield from crafted
    for number in range(max(0, count - len(crafted))):
        mutated = _mutate_value(json.loads(json.dumps(rng.choice(seeds))), rng)
        if rng.random() < 0.3:
            text = json.dumps(mutated)
            yield (
                f"mutation {number} (text)",
                _mutate_text(text, rng) if rng.random() < 0.5 else text,
            )
        else:
            yield f"mutation {number}", mutated


def definition_cases(count: int, rng: random.Random, scale: float = 1) -> Iterator[Case]:
    """Each hostile definition through `pipeline_lineage`, with odd parameter values."""
    from lineage_assets.contract.definition import pipeline_lineage

    for label, definition in hostile_definitions(count, rng, scale):
        parameters = rng.choice([None, {}, {"InputData": "s3://" + "a" * 2_000}, {"x": "\x00"}])
        yield Case("sagemaker", label, lambda d=definition, p=parameters: pipeline_lineage(d, p))


# -- S3 objects -----------------------------------------------------------------------------


def _gzip_bomb(inflated_bytes: int) -> bytes:
    """A gzip stream of zeros that inflates to `inflated_bytes`."""
    out = io.BytesIO()
    chunk = bytes(1 << 20)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as stream:
        for _ in range(inflated_bytes >> 20):
            stream.write(chunk)
    return out.getvalue()


def _parquet_bytes() -> bytes:
    """A small valid Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = io.BytesIO()
    pq.write_table(pa.table({"id": [1, 2], "email": ["a@b.c", "d@e.f"]}), out)
    return out.getvalue()


def hostile_objects(scale: float = 1) -> list[tuple[str, bytes]]:
    """(key, body) of objects an attacker can put under a crawled prefix."""
    parquet = _parquet_bytes()
    csv_head = b"id,email\n1,a@b.c\n"
    return [
        ("gzip-bomb/data.csv.gz", _gzip_bomb(int((64 << 20) * scale))),
        ("gzip-truncated/data.csv.gz", gzip.compress(csv_head * 1_000)[:200]),
        ("gzip-garbage/data.json.gz", b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4),
        ("gzip-concatenated/data.csv.gz", gzip.compress(csv_head) * 2_000),
        ("binary/data.csv", bytes(range(256)) * 100),
        ("nul/data.csv", b"id,name\n1,\x00x\n"),
        ("invalid-utf8/data.csv", b"id,name\n1,\xff\xfe\xc3(\n"),
        ("latin1/data.json", '{"name": "Müller"}\n'.encode("latin-1")),
        ("bom/data.csv", b"\xef\xbb\xbfid,name\n1,x\n"),
        ("one-long-line/data.csv", b"a," * (2 << 20)),
        ("many-columns/data.csv", b",".join(b"c%d" % i for i in range(100_000)) + b"\n1\n"),
        ("ragged/data.csv", b"a,b\n1\n1,2,3,4\n\n\n"),
        ("quotes/data.csv", b'a,b\n"unterminated,1\n' * 1_000),
        ("deep-json/data.json", b"[" * 200_000 + b"]" * 200_000),
        ("deep-object/data.json", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
        ("json-lines-mixed/data.jsonl", b'{"a": 1}\n[1]\n"x"\n{"a": {"b": [1, {"c": 2}]}}\n'),
        ("json-huge-number/data.json", b'{"a": ' + b"9" * 100_000 + b"}\n"),
        ("json-duplicate-keys/data.json", b'{"a": 1, "a": "x", "A": null}\n'),
        ("empty/data.csv", b""),
        ("empty/data.parquet", b""),
        ("parquet-magic-only/data.parquet", b"PAR1PAR1"),
        ("parquet-huge-footer/data.parquet", b"PAR1" + b"\x00" * 64 + b"\xff\xff\xff\x7fPAR1"),
        ("parquet-truncated/data.parquet", parquet[: len(parquet) // 2] + b"PAR1"),
        ("parquet-garbage-footer/data.parquet", parquet[:-40] + bytes(range(32)) + parquet[-8:]),
        ("parquet-is-csv/data.parquet", csv_head),
        ("csv-is-parquet/data.csv", parquet),
        ("odd key/a//b/../c/%2e%2e/data.csv", csv_head),
        ("odd key/" + "k" * 900 + "/data.csv", csv_head),
        ("odd key/名前 ü\t/data.json", b'{"a": 1}\n'),
        ("odd key/year=2024/month=../data.csv", csv_head),
        ("no-extension/data", csv_head),
    ]


def s3_cases(scale: float = 1, s3: Any = None) -> Iterator[Case]:
    """Each hostile object sampled as its own dataset, in a fresh bucket of `s3` (a client of
    a running emulator), or else of an in-process moto S3 started and stopped here (moto's
    in-process mock resets every emulated account: never inside a process sharing one)."""
    import uuid

    import boto3
    from moto import mock_aws

    from lineage_assets.s3_schema.budget import CrawlBudget
    from lineage_assets.s3_schema.sampler import sample_dataset

    objects = hostile_objects(scale)
    bucket = f"hostile-{uuid.uuid4().hex[:12]}"
    mock = mock_aws() if s3 is None else None

    def start() -> object:
        client = s3
        if mock is not None:
            mock.start()
            client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=bucket)
        for key, body in objects:
            client.put_object(Bucket=bucket, Key=key, Body=body)
        return client

    state: dict[str, Any] = {}
    yield Case("s3", "bucket set up", lambda: state.setdefault("s3", start()))
    for key, _ in objects:
        prefix = key.rsplit("/", 1)[0] + "/"

        def call(p: str = prefix) -> object:
            client = state["s3"]
            budget = CrawlBudget(max_bytes=64 << 20)
            return sample_dataset(f"s3://{bucket}/{p}", client, client, budget)

        yield Case("s3", key[:80], call)
    if mock is not None:
        yield Case("s3", "moto stopped", mock.stop)


# -- running --------------------------------------------------------------------------------


def all_cases(count: int, seed: int = 12, scale: float = 1) -> Iterator[Case]:
    """About `count` SQL and definition cases each, then every hostile S3 object."""
    rng = random.Random(seed)
    yield from sql_cases(count, rng, scale)
    yield from definition_cases(count, rng, scale)
    yield from s3_cases(scale)


def check_all(
    count: int, *, cap_s: float | None = None, hang_s: int | None = None, scale: float = 1
) -> Tally:
    """Run every case and tally the outcomes."""
    tally = Tally()
    for case in all_cases(count, scale=scale):
        run_case(case, tally, cap_s, hang_s)
    return tally


def run(quick: bool = False) -> list[Result]:
    """The full fuzz run: counts per parser, escapes and cases over the per-case cap."""
    name = "hostile"
    count = 300 if quick else 3_000
    logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its fallback warnings, per mutation
    header(name, f"fuzz: ~{count:,} SQL and definition cases each, hostile S3 objects")
    start = time.perf_counter()
    tally = check_all(count, cap_s=CASE_CAP_S, hang_s=HANG_S, scale=1 if quick else 2)
    elapsed = time.perf_counter() - start
    for parser, runs in sorted(tally.runs.items()):
        figure(f"{parser}: cases run", f"{runs:,}, slowest {seconds(tally.slowest[parser])}")
    figure("exceptions escaped", str(len(tally.escaped)))
    figure(f"cases over {CASE_CAP_S:.0f} s", str(len(tally.slow)))
    figure("whole fuzz run", seconds(elapsed))
    for line in (tally.escaped + tally.slow)[:30]:
        note(line)
    total = sum(tally.runs.values())
    return [
        report(Result(name, "fuzz: escaped ÷ cases", len(tally.escaped) / total, 0.0)),
        report(
            Result(name, f"fuzz: over {CASE_CAP_S:.0f} s ÷ cases", len(tally.slow) / total, 0.0)
        ),
    ]
