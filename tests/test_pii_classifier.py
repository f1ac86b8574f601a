"""PII classification: value detectors with check digits, the multilingual name dictionary,
masking, and precision/recall on a generated labelled set full of look-alikes.

Valid Korean RRNs and card numbers are built with the emulator's own check-digit functions
(lineage_dev.emulator.datasets), an implementation independent of the detectors.
"""

from __future__ import annotations

import random
import string
from datetime import date, datetime, timedelta

import pytest

from lineage_assets.pii import classify_column, mask
from lineage_assets.pii.classifier import apply_override
from lineage_assets.pii.detectors import (
    is_birth_date,
    is_email,
    is_iban,
    is_ip_address,
    is_kr_rrn,
    is_payment_card,
    is_phone,
)
from lineage_assets.pii.names import name_class
from lineage_dev.emulator import datasets as ds

# -- generators -------------------------------------------------------------------------------


def rrn(rng: random.Random) -> str:
    """A valid resident registration number (date, century digit, check digit)."""
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 70))
    century = rng.choice("12") if born.year < 2000 else rng.choice("34")
    body = f"{born:%y%m%d}{century}{rng.randint(0, 99999):05d}"
    return f"{body[:6]}-{body[6:]}{ds.rrn_check_digit(body)}"


def card(rng: random.Random) -> str:
    """A Visa, Mastercard or Amex number with a valid Luhn digit, sometimes grouped."""
    prefix, length = rng.choice((("4", 16), ("52", 16), ("37", 15), ("6011", 16)))
    partial = prefix + "".join(rng.choice(string.digits) for _ in range(length - 1 - len(prefix)))
    number = partial + str(ds.luhn_check_digit(partial))
    return (
        " ".join(number[i : i + 4] for i in range(0, length, 4)) if rng.random() < 0.3 else number
    )


def phone(rng: random.Random) -> str:
    """Korean and international numbers in the styles exports use."""
    a, b = rng.randint(1000, 9999), rng.randint(1000, 9999)
    return rng.choice(
        (
            f"010-{a}-{b}",
            f"+82 10-{a}-{b}",
            f"02-{rng.randint(200, 999)}-{b}",
            f"031-{a}-{b}",
            f"0107{a % 1000:03d}{b}",
            f"+1 415-555-{b}",
            f"+44 20 7946 {b}",
            f"+49 30 {a}{b}",
        )
    )


def email(rng: random.Random) -> str:
    """A plausible address."""
    user = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9)))
    domain = rng.choice(("gmail.com", "naver.com", "example.co.kr", "corp.io"))
    return f"{user}{rng.randint(1, 999)}@{domain}"


def iban(rng: random.Random) -> str:
    """A German IBAN with valid mod-97 check digits."""
    bban = "".join(rng.choice(string.digits) for _ in range(18))
    check = 98 - int("".join(str(int(c, 36)) for c in bban + "DE00")) % 97
    return f"DE{check:02d}{bban}"


def ip(rng: random.Random) -> str:
    """IPv4 or IPv6."""
    if rng.random() < 0.7:
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    return ":".join(f"{rng.randint(0, 65535):x}" for _ in range(8))


def birth_date(rng: random.Random) -> str:
    """A birth date of an adult."""
    return (date(1940, 1, 1) + timedelta(days=rng.randint(0, 365 * 60))).isoformat()


def order_number(rng: random.Random) -> str:
    """Order numbers shaped like phone numbers (the seeded orders' scheme: 0CC-NNNN-NNNN)."""
    return f"0{rng.randint(21, 29)}-{rng.randint(0, 9999):04d}-{rng.randint(0, 9999):04d}"


def product_code(rng: random.Random) -> str:
    """13-digit EAN product codes."""
    body = "880" + "".join(rng.choice(string.digits) for _ in range(9))
    return body + str(ds.ean13_check_digit(body))


def timestamp(rng: random.Random) -> str:
    """Event timestamps, ISO or epoch seconds."""
    moment = datetime(2026, 1, 1) + timedelta(seconds=rng.randint(0, 30_000_000))
    return moment.isoformat() + "Z" if rng.random() < 0.5 else str(int(moment.timestamp()))


def recent_date(rng: random.Random) -> str:
    """Business dates of the last few years (not birth dates)."""
    return (date(2022, 1, 1) + timedelta(days=rng.randint(0, 1400))).isoformat()


def tracking_number(rng: random.Random) -> str:
    """16-digit numbers that are not card numbers (no card network prefix)."""
    return rng.choice("1789") + "".join(rng.choice(string.digits) for _ in range(15))


def korean_name(rng: random.Random) -> str:
    """A Korean full name."""
    return rng.choice("김이박최정") + rng.choice(("민준", "서연", "도윤", "하은"))


def street(rng: random.Random) -> str:
    """A street address."""
    return f"{rng.randint(1, 400)} {rng.choice(('Teheran-ro', 'Market St', 'Baker Street'))}"


def amount(rng: random.Random) -> str:
    """A money amount."""
    return f"{rng.uniform(1, 900):.2f}"


def sku(rng: random.Random) -> str:
    """An internal product SKU."""
    return f"SKU-{rng.randint(1000, 9999)}-{rng.choice('ABCDE')}"


# (label, value generator, column names): neutral names force the values to decide.
LABELLED = [
    ("email", email, ["email", "contact", "col_a", "이메일", "userEmail"]),
    ("phone", phone, ["phone", "mobile", "전화번호", "col_b", "연락처"]),
    ("kr_rrn", rrn, ["rrn", "주민등록번호", "id_value", "jumin_no"]),
    ("payment_card", card, ["card_number", "pan", "카드번호", "col_c"]),
    ("bank_account", iban, ["iban", "계좌번호", "payout_to"]),
    ("ip_address", ip, ["ip_address", "client", "src_addr"]),
    ("date_of_birth", birth_date, ["dob", "birth_date", "생년월일", "col_d"]),
    ("person_name", korean_name, ["full_name", "이름", "customer_name"]),
    ("address", street, ["address", "주소", "street_address"]),
    (None, order_number, ["order_number", "order_ref", "col_e"]),
    (None, product_code, ["product_code", "ean", "barcode"]),
    (None, timestamp, ["event_ts", "created_at", "col_f"]),
    (None, recent_date, ["order_date", "shipped_on", "col_g"]),
    (None, tracking_number, ["tracking_number", "parcel_id"]),
    (None, amount, ["amount", "price"]),
    (None, sku, ["sku", "product_name", "file_name"]),
]


def labelled_columns(seed: int) -> list[tuple[str, list[str], str | None]]:
    """(column name, 60 sampled values, true class) for every generator and name."""
    rng = random.Random(seed)
    return [
        (name, [generate(rng) for _ in range(60)], label)
        for label, generate, names in LABELLED
        for name in names
    ]


def precision_recall(results: list[tuple[str | None, str | None]]) -> tuple[float, float]:
    """Column-level precision and recall over (predicted, true) class pairs."""
    predicted_pii = [(p, t) for p, t in results if p is not None]
    true_pii = [(p, t) for p, t in results if t is not None]
    correct = sum(p == t for p, t in predicted_pii)
    found = sum(p == t for p, t in true_pii)
    return correct / len(predicted_pii), found / len(true_pii)


# -- tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_precision_and_recall_on_a_labelled_set_with_look_alikes(seed):
    columns = labelled_columns(seed)
    results = [
        (classify_column(name, "string", values).pii_class, t) for name, values, t in columns
    ]
    precision, recall = precision_recall(results)
    assert len(columns) >= 50 and sum(t is None for _, _, t in columns) >= 15
    assert precision >= 0.95, [r for r in results if r[0] != r[1]]
    assert recall >= 0.95, [r for r in results if r[0] != r[1]]


def test_check_digits_decide_rrn_and_card_numbers():
    rng = random.Random(9)
    valid = rrn(rng)
    broken = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    assert is_kr_rrn(valid) and not is_kr_rrn(broken)
    assert not is_kr_rrn("901331-1234567")  # month 13
    number = card(rng).replace(" ", "")
    assert is_payment_card(number) and not is_payment_card(number[:-1] + "x")
    assert not is_payment_card(product_code(rng))  # EAN-13: no card network prefix
    assert is_iban("GB82 WEST 1234 5698 7654 32") and not is_iban("GB82WEST12345698765433")


def test_value_detectors_accept_real_shapes_and_reject_look_alikes():
    assert is_email("j.doe+tag@mail.example.co.kr") and not is_email("not@an")
    assert is_phone("010-1234-5678") and is_phone("+82 10-1234-5678") and is_phone("02-555-1234")
    assert is_phone("+1 415-555-0123") and is_phone("+44 20 7946 0123")
    assert not is_phone("021-0001-2345")  # an order number: 021 is no Korean prefix
    assert not is_phone("1730419200")  # epoch seconds
    assert is_ip_address("10.0.0.1") and is_ip_address("2001:db8::1")
    assert not is_ip_address("1.2.3") and not is_ip_address("256.1.1.1")
    assert is_birth_date("1985-04-12") and not is_birth_date("2026-11-01T10:00:00Z")
    assert not is_birth_date(f"{date.today().year - 2}-01-01")


def test_the_name_dictionary_speaks_korean_and_knows_false_friends():
    assert name_class("이메일")[0] == "email"
    assert name_class("고객_전화번호")[0] == "phone"
    assert name_class("주민등록번호")[0] == "kr_rrn"
    assert name_class("여권번호")[0] == "passport"
    assert name_class("계좌번호")[0] == "bank_account"
    assert name_class("customerBirthDate")[0] == "date_of_birth"
    assert name_class("address.zip")[0] == "address"
    assert name_class("회원전화번호")[0] == "phone"  # Korean compounds have no separators
    assert name_class("파일이름") == (None, None)  # a file name, not a person's
    assert name_class("product_name") == (None, None)
    assert name_class("email_sent_at") == (None, None)


def test_values_overrule_a_misleading_name_and_numbers_are_not_names():
    rng = random.Random(4)
    contradicted = classify_column("phone", "string", [sku(rng) for _ in range(30)])
    assert contradicted.pii_class is None
    assert classify_column("name_length", "int64", ["4", "7"]).pii_class is None
    named_only = classify_column("passport_no", "string", [])
    assert named_only.pii_class == "passport" and named_only.confidence == 0.6
    assert named_only.evidence["decided_by"] == "name"


def test_evidence_and_examples_carry_no_raw_values():
    rng = random.Random(5)
    values = [email(rng) for _ in range(40)] + ["n/a"] * 2
    result = classify_column("contact", "string", values)
    assert result.pii_class == "email"
    assert result.evidence["values"] == {"sampled": 42, "matched": {"email": 40}}
    assert result.masked_example == mask(values[0], "email")
    text = repr(result)
    assert not any(value in text for value in values[:40])


def test_masking_keeps_the_shape_only():
    assert mask("john.doe@example.com", "email") == "j***@e***.com"
    assert mask("010-1234-5678", "phone") == "###-####-####"
    assert mask("김민준", "person_name") == "xxx"


def test_an_override_wins_and_none_means_not_pii():
    detected = classify_column("email", "string", ["a@b.com"] * 5)
    cleared = apply_override(detected, "none", "test accounts only")
    assert cleared.pii_class is None and cleared.masked_example is None
    assert cleared.evidence["override"]["detected"] == "email"
    assert apply_override(detected, "phone").pii_class == "phone"


def test_a_masked_column_name_is_not_pii_unless_its_values_are():
    hashes = ["5d41402abc4b2a76b9719d911017c592", "7d793037a0760186574b0282f2f435e7"]
    assert classify_column("email_hash", "string", hashes).pii_class is None
    assert classify_column("phone_masked", "string", []).pii_class is None
    assert classify_column("email", "string", []).pii_class == "email"
    leaked = ["kim@example.com", "lee@example.org", "park@example.net"]
    assert classify_column("email_hash", "string", leaked).pii_class == "email"
