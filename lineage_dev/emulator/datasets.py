"""Deterministic synthetic datasets for the emulator: raw PII customers, orders, abalone, features.

Everything is seeded so repeated runs write the same bytes; the large orders table is generated
column-wise with pyarrow compute (no per-row Python) so millions of rows take about a second.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import random
import tarfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
ABALONE_COLUMNS = (
    "sex",
    "length",
    "diameter",
    "height",
    "whole_weight",
    "shucked_weight",
    "viscera_weight",
    "shell_weight",
    "rings",
)
ORDER_STATUSES = ("placed", "paid", "shipped", "delivered", "refunded", "cancelled")
CURRENCIES = ("KRW", "USD", "GBP")

_KR_FAMILY = (("김", "Kim"), ("이", "Lee"), ("박", "Park"), ("최", "Choi"), ("정", "Jung"))
_KR_GIVEN = (
    *(("민준", "Minjun"), ("서연", "Seoyeon"), ("도윤", "Doyun"), ("하은", "Haeun")),
    *(("지호", "Jiho"), ("지우", "Jiwoo"), ("예준", "Yejun"), ("수아", "Sua")),
)
_EN_FIRST = ("James", "Olivia", "Emma", "Liam", "Noah", "Ava", "Sophia", "Oliver")
_EN_LAST = ("Smith", "Johnson", "Brown", "Taylor", "Wilson", "Davies", "Evans", "Miller")
_STREETS = {
    "KR": (("Seoul", "Teheran-ro"), ("Busan", "Haeundae-ro"), ("Incheon", "Songdo-daero")),
    "US": (("San Francisco", "Market St"), ("New York", "Broadway"), ("Austin", "Congress Ave")),
    "GB": (("London", "Baker Street"), ("Manchester", "Deansgate"), ("Leeds", "Briggate")),
}
_EMAIL_DOMAINS = ("gmail.com", "naver.com", "outlook.com", "kakao.com", "yahoo.co.uk")
_TAGS = ("newsletter", "vip", "app-user", "churn-risk", "b2b", "student")


# --------------------------------------------------------------------------- check digits


def rrn_check_digit(first_twelve: str) -> int:
    """Check digit of a Korean resident registration number from its first 12 digits."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_twelve, RRN_WEIGHTS, strict=True)
    )
    return (11 - total % 11) % 10


def is_valid_rrn(rrn: str) -> bool:
    """Whether `YYMMDD-GNNNNNC` has 13 digits and a correct check digit."""
    digits = rrn.replace("-", "")
    return (
        len(digits) == 13 and digits.isdigit() and rrn_check_digit(digits[:12]) == int(digits[12])
    )


def luhn_check_digit(partial: str) -> int:
    """Luhn check digit to append to `partial` (card numbers)."""
    total = 0
    for index, char in enumerate(reversed(partial)):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return (10 - total % 10) % 10


def is_valid_luhn(number: str) -> bool:
    """Whether a digit string passes the Luhn check."""
    return number.isdigit() and luhn_check_digit(number[:-1]) == int(number[-1])


def ean13_check_digit(first_twelve: str) -> int:
    """EAN-13 check digit (weights 1,3): product codes that look numeric but are not cards."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return (10 - total % 10) % 10


# --------------------------------------------------------------------------- customers


@dataclass(frozen=True)
class Customer:
    """One raw customer record, full of personal data on purpose."""

    customer_id: int
    full_name: str
    email: str
    phone: str
    rrn: str | None
    card_number: str
    ip_address: str
    birth_date: date
    city: str
    street: str
    zip: str
    country: str
    signup_date: date
    tags: tuple[str, ...]

    @property
    def address(self) -> str:
        """The address as one line, as the CSV export writes it."""
        return f"{self.street}, {self.city} {self.zip}"


def _phone(rng: random.Random, country: str) -> str:
    """A phone number in the mixed styles real exports contain."""
    if country == "KR":
        middle, last = rng.randint(1000, 9999), rng.randint(1000, 9999)
        return rng.choice((f"010-{middle}-{last}", f"+82 10-{middle}-{last}"))
    if country == "US":
        return f"+1 {rng.choice((212, 415, 512))}-555-{rng.randint(100, 199):04d}"
    return f"+44 20 7946 {rng.randint(0, 999):04d}"


def _rrn(rng: random.Random, birth: date, female: bool) -> str:
    """A resident registration number consistent with the birth date, with a valid check digit."""
    century_digit = (3 if birth.year >= 2000 else 1) + (1 if female else 0)
    body = f"{birth:%y%m%d}{century_digit}{rng.randint(0, 99999):05d}"
    return f"{body[:6]}-{body[6:]}{rrn_check_digit(body)}"


def _card(rng: random.Random) -> str:
    """A 16-digit Visa or Mastercard look-alike with a valid Luhn digit."""
    prefix = rng.choice(("4", f"5{rng.randint(1, 5)}"))
    partial = prefix + "".join(str(rng.randint(0, 9)) for _ in range(15 - len(prefix)))
    return partial + str(luhn_check_digit(partial))


def _customer(rng: random.Random, customer_id: int) -> Customer:
    """One customer; about 60% Korean, the rest US/GB."""
    country = rng.choices(("KR", "US", "GB"), weights=(6, 2, 2))[0]
    female = rng.random() < 0.5
    if country == "KR":
        (family_ko, family_en), (given_ko, given_en) = rng.choice(_KR_FAMILY), rng.choice(_KR_GIVEN)
        full_name, first, last = f"{family_ko}{given_ko}", given_en, family_en
    else:
        first, last = rng.choice(_EN_FIRST), rng.choice(_EN_LAST)
        full_name = f"{first} {last}"
    birth = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
    city, street = rng.choice(_STREETS[country])
    zip_code = (
        f"{rng.randint(1000, 63999):05d}" if country != "GB" else f"NW{rng.randint(1, 9)} 6XE"
    )
    return Customer(
        customer_id=customer_id,
        full_name=full_name,
        email=f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(_EMAIL_DOMAINS)}".lower(),
        phone=_phone(rng, country),
        rrn=_rrn(rng, birth, female) if country == "KR" else None,
        card_number=_card(rng),
        ip_address=".".join(str(rng.randint(1, 223 if i == 0 else 254)) for i in range(4)),
        birth_date=birth,
        city=city,
        street=f"{rng.randint(1, 400)} {street}",
        zip=zip_code,
        country=country,
        signup_date=date(2024, 1, 1) + timedelta(days=rng.randint(0, 1000)),
        tags=tuple(sorted(rng.sample(_TAGS, rng.randint(0, 3)))),
    )


def customers(count: int, *, first_id: int = 1, seed: int = 7) -> list[Customer]:
    """`count` customers with ids from `first_id`, deterministic for a seed."""
    rng = random.Random(seed)
    return [_customer(rng, first_id + offset) for offset in range(count)]


def customers_csv(rows: Sequence[Customer]) -> bytes:
    """The raw CSV export: one flat line per customer, address as one string."""
    out = io.StringIO()
    fields = (
        *("customer_id", "full_name", "email", "phone", "rrn", "card_number", "ip_address"),
        *("birth_date", "address", "country", "signup_date"),
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow([row.address if f == "address" else getattr(row, f) or "" for f in fields])
    return out.getvalue().encode()


def customers_jsonl(rows: Sequence[Customer]) -> bytes:
    """The raw JSON-lines export: nested `address` struct and a `tags` list per customer."""
    lines = []
    for row in rows:
        record = asdict(row)
        record["address"] = {"city": record.pop("city"), "street": record.pop("street")}
        record["address"]["zip"] = record.pop("zip")
        record["tags"] = list(row.tags)
        lines.append(json.dumps(record, default=str, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def gzip_bytes(data: bytes) -> bytes:
    """Gzip with a zero timestamp, so equal input gives equal bytes."""
    return gzip.compress(data, mtime=0)


# --------------------------------------------------------------------------- orders


def _uniform(rows: int, seed: int) -> pa.DoubleArray:
    """`rows` uniform doubles in [0, 1) from a seeded generator."""
    return pc.random(rows, initializer=seed)


def _randint(rows: int, seed: int, low: int, high: int) -> pa.Int64Array:
    """`rows` integers in [low, high), vectorised."""
    scaled = pc.floor(pc.multiply(_uniform(rows, seed), float(high - low)))
    return pc.add(pc.cast(scaled, pa.int64()), low)


def _sequence(rows: int, start: int) -> pa.Int64Array:
    """start, start+1, ... without a Python loop."""
    return pc.add(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), rows)), start - 1)


def _padded(values: pa.Array, width: int) -> pa.StringArray:
    """Integers as zero-padded strings."""
    return pc.utf8_lpad(pc.cast(values, pa.string()), width, "0")


def product_catalog(size: int = 2000, seed: int = 11) -> list[str]:
    """EAN-13 style product codes (Korean 880 prefix): 13 digits, not card numbers."""
    rng = random.Random(seed)
    codes = []
    for _ in range(size):
        body = "880" + "".join(str(rng.randint(0, 9)) for _ in range(9))
        codes.append(body + str(ean13_check_digit(body)))
    return codes


def orders(
    rows: int, *, day: date, first_order_id: int, customer_count: int, seed: int
) -> pa.Table:
    """`rows` orders placed on `day`; `order_number` looks like a phone number but is not one."""
    order_id = _sequence(rows, first_order_id)
    day_start_ms = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
    order_ms = pc.add(_randint(rows, seed + 1, 0, 86_400_000), day_start_ms)
    amount = pc.round(pc.add(pc.multiply(_uniform(rows, seed + 2), 490.0), 10.0), 2)
    channel = _randint(rows, seed + 3, 21, 30)
    daily_seq = pc.modulo(order_id, 100_000_000)
    order_number = pc.binary_join_element_wise(
        pc.binary_join_element_wise("0", pc.cast(channel, pa.string()), ""),
        _padded(pc.divide(daily_seq, 10_000), 4),
        _padded(pc.modulo(daily_seq, 10_000), 4),
        "-",
    )
    catalog = pa.array(product_catalog())

    def pick(values: Sequence[str] | pa.Array, offset: int) -> pa.DictionaryArray:
        """A dictionary column choosing uniformly among `values`."""
        dictionary = values if isinstance(values, pa.Array) else pa.array(values)
        indices = pc.cast(_randint(rows, seed + offset, 0, len(dictionary)), pa.int32())
        return pa.DictionaryArray.from_arrays(indices, dictionary)

    return pa.table(
        {
            "order_id": order_id,
            "customer_id": _randint(rows, seed + 4, 1, customer_count + 1),
            "order_ts": pc.cast(order_ms, pa.timestamp("ms", tz="UTC")),
            "amount": amount,
            "currency": pick(CURRENCIES, 5),
            "status": pick(ORDER_STATUSES, 6),
            "product_code": pick(catalog, 7),
            "order_number": order_number,
        }
    )


def parquet_bytes(table: pa.Table, *, row_groups: int = 1) -> bytes:
    """The table as Parquet (snappy) split into about `row_groups` row groups."""
    sink = io.BytesIO()
    row_group_size = max(1, -(-table.num_rows // row_groups))
    pq.write_table(table, sink, row_group_size=row_group_size, compression="snappy")
    return sink.getvalue()


def csv_bytes(table: pa.Table, *, header: bool = True) -> bytes:
    """The table as CSV, with or without a header line."""
    sink = io.BytesIO()
    pa_csv.write_csv(table, sink, pa_csv.WriteOptions(include_header=header, quoting_style="none"))
    return sink.getvalue()


# --------------------------------------------------------------------------- abalone


def abalone(rows: int = 4177, *, seed: int = 3) -> pa.Table:
    """Abalone measurements shaped like the UCI dataset (sex, sizes, weights, rings)."""
    rng = random.Random(seed)
    records: dict[str, list[object]] = {name: [] for name in ABALONE_COLUMNS}
    for _ in range(rows):
        length = round(rng.uniform(0.075, 0.815), 3)
        whole = round(max(0.002, 2.2 * length**3 * rng.uniform(0.8, 1.2)), 4)
        values = (
            rng.choice("MFI"),
            length,
            round(length * rng.uniform(0.74, 0.84), 3),
            round(length * rng.uniform(0.22, 0.32), 3),
            whole,
            round(whole * rng.uniform(0.38, 0.48), 4),
            round(whole * rng.uniform(0.18, 0.24), 4),
            round(whole * rng.uniform(0.26, 0.32), 4),
            max(1, min(29, round(4 + 18 * length + rng.gauss(0, 2)))),
        )
        for name, value in zip(ABALONE_COLUMNS, values, strict=True):
            records[name].append(value)
    return pa.table(records)


def abalone_features_csv(table: pa.Table) -> bytes:
    """Headerless CSV with the label first, the layout XGBoost's CSV input expects."""
    ordered = table.select(["rings", *ABALONE_COLUMNS[1:-1]])
    return csv_bytes(ordered, header=False)


def abalone_batch_csv(table: pa.Table) -> bytes:
    """Headerless CSV without the label: batch-transform input."""
    return csv_bytes(table.select(list(ABALONE_COLUMNS[1:-1])), header=False)


def transform_predictions(batch_csv: bytes) -> bytes:
    """One predicted ring count per input line (a plausible `.out` file)."""
    lines = [line for line in batch_csv.decode().splitlines() if line]
    return "".join(f"{4 + 18 * float(line.split(',')[0]):.4f}\n" for line in lines).encode()


# --------------------------------------------------------------------------- features


def _sha256(text: str) -> str:
    """Hex SHA-256 of a string: the curated layer's pseudonymised email."""
    return hashlib.sha256(text.encode()).hexdigest()


def _aggregates(rows: Sequence[Customer], seed: int) -> list[dict[str, object]]:
    """Per-customer order aggregates, deterministic for a seed."""
    rng = random.Random(seed)
    out: list[dict[str, object]] = []
    for _ in rows:
        count = rng.randint(0, 40)
        total = round(count * rng.uniform(15.0, 250.0), 2)
        out.append(
            {
                "order_count": count,
                "total_amount": total,
                "avg_order_amount": round(total / count, 2) if count else 0.0,
                "days_since_last_order": rng.randint(0, 400),
                "churned": int(rng.random() < 0.18),
            }
        )
    return out


def customer_features(rows: Sequence[Customer], *, seed: int = 5) -> pa.Table:
    """Curated customer features: hashed email instead of personal data, plus aggregates."""
    aggregates = _aggregates(rows, seed)
    return pa.table(
        {
            "customer_id": [row.customer_id for row in rows],
            "email_sha256": [_sha256(row.email) for row in rows],
            "country": [row.country for row in rows],
            **{key: [agg[key] for agg in aggregates] for key in aggregates[0]},
        }
    )


def feature_store_records(
    rows: Sequence[Customer], *, event_time: datetime, seed: int = 5
) -> pa.Table:
    """Offline-store rows of `customer-churn-features`: raw email/phone kept, plus store columns."""
    aggregates = _aggregates(rows, seed)
    stamp = event_time.isoformat().replace("+00:00", "Z")
    write_time = pa.scalar(event_time + timedelta(minutes=3), pa.timestamp("ms", tz="UTC"))
    return pa.table(
        {
            "customer_id": [row.customer_id for row in rows],
            "email": [row.email for row in rows],
            "phone": [row.phone for row in rows],
            "country": [row.country for row in rows],
            **{key: [agg[key] for agg in aggregates] for key in aggregates[0]},
            "event_time": [stamp] * len(rows),
            "write_time": pa.repeat(write_time, len(rows)),
            "api_invocation_time": pa.repeat(write_time, len(rows)),
            "is_deleted": [False] * len(rows),
        }
    )


def feature_definitions() -> list[dict[str, str]]:
    """FeatureDefinitions of `customer-churn-features` matching `feature_store_records`."""
    types = {"customer_id": "Integral", "email": "String", "phone": "String", "country": "String"}
    types |= {"order_count": "Integral", "total_amount": "Fractional"}
    types |= {"avg_order_amount": "Fractional", "days_since_last_order": "Integral"}
    types |= {"churned": "Integral", "event_time": "String"}
    return [{"FeatureName": name, "FeatureType": kind} for name, kind in types.items()]


# --------------------------------------------------------------------------- small artefacts


def demand_sales(days: int = 60, *, seed: int = 13) -> pa.Table:
    """Daily unit sales per store and SKU for the EU forecasting pipeline."""
    rng = random.Random(seed)
    start = date(2026, 9, 1)
    keys = [(store, sku) for store in ("DUB-01", "AMS-02", "BER-03") for sku in ("SKU-1", "SKU-2")]
    records = [
        (start + timedelta(days=d), store, sku, units, round(units * 4.99, 2))
        for d in range(days)
        for store, sku in keys
        for units in (rng.randint(0, 120),)
    ]
    names = ("sale_date", "store_id", "sku", "units", "revenue_eur")
    return pa.table({name: [rec[i] for rec in records] for i, name in enumerate(names)})


def evaluation_report(mse: float, standard_deviation: float) -> bytes:
    """The evaluation.json a regression evaluation step writes (read by a Std:JsonGet)."""
    metrics = {"mse": {"value": mse, "standard_deviation": standard_deviation}}
    return json.dumps({"regression_metrics": metrics}, indent=2).encode()


def model_tarball(member: str = "xgboost-model", *, seed: int = 17) -> bytes:
    """A small, real, reproducible model.tar.gz holding one opaque model file."""
    payload = random.Random(seed).randbytes(2048)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        info = tarfile.TarInfo(member)
        info.size, info.mtime, info.mode = len(payload), 1_793_491_200, 0o644
        archive.addfile(info, io.BytesIO(payload))
    return gzip_bytes(raw.getvalue())


def processing_script(file_name: str) -> bytes:
    """A short, plausible script body for the `code` input of a Processing step."""
    return (
        f'"""{file_name}: run by a SageMaker Processing job under /opt/ml/processing."""\n'
        "import argparse\n"
        "import pandas as pd\n\n"
        "if __name__ == '__main__':\n"
        "    parser = argparse.ArgumentParser()\n"
        "    args, _ = parser.parse_known_args()\n"
        f"    print('running {file_name}')\n"
    ).encode()
