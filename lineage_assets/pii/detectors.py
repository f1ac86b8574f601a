"""Value detectors: does one sampled value look like (and validate as) a kind of personal data?

Formats are checked strictly and check digits where they exist (Korean RRN, Luhn, IBAN
mod-97), so order numbers, product codes and timestamps that merely look similar fail.
Digits are ASCII digits only (`re.ASCII`): superscripts and Arabic-Indic digits never reach `int()`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import date

from lineage_assets.core.enums import PiiClass

RRN_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
# Gender/century digit → century of birth (1-4 Koreans, 5-8 foreign residents, 9/0 pre-1900).
_RRN_CENTURY = {
    "1": 1900,
    "2": 1900,
    "3": 2000,
    "4": 2000,
    "5": 1900,
    "6": 1900,
    "7": 2000,
    "8": 2000,
    "9": 1800,
    "0": 1800,
}
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}", re.ASCII)
_RRN = re.compile(r"(\d{6})-?(\d{7})", re.ASCII)
# Korean numbers: mobile 010/011/016-019, Seoul 02, regional 031-064, internet 070, 050x.
_KR_PHONE = re.compile(
    r"(?:\+82[ -]?(?:0?(?:1[016789]|2|[3-6][1-5]|70)))[ -]?\d{3,4}[ -]?\d{4}"
    r"|0(?:1[016789]|2|[3-6][1-5]|70)-\d{3,4}-\d{4}"
    r"|01[016789]\d{7,8}",
    re.ASCII,
)
# Other countries: only with the + country code, as real exports write them.
_INTL_PHONE = re.compile(r"\+(?!82)[1-9]\d{0,2}(?:[ .-]?\(?\d{1,4}\)?){2,5}", re.ASCII)
_CARD_SEPARATORS = re.compile(r"[ -]")
_CARD_PREFIXES = (
    ("4",),
    ("51", "52", "53", "54", "55"),
    tuple(str(p) for p in range(2221, 2721)),
    ("34", "37"),
    ("6011", "65", "644", "645", "646", "647", "648", "649"),
    ("35",),
    ("300", "301", "302", "303", "304", "305", "36", "38"),
    ("62",),
    ("9410",),
)
_CARD_PREFIX_SET = tuple(p for group in _CARD_PREFIXES for p in group)
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", re.ASCII)
_IBAN_LENGTHS = {
    "DE": 22,
    "GB": 22,
    "FR": 27,
    "ES": 24,
    "IT": 27,
    "NL": 18,
    "BE": 16,
    "CH": 21,
    "AT": 20,
    "IE": 22,
    "PL": 28,
    "SE": 24,
    "NO": 15,
    "DK": 18,
    "FI": 18,
    "PT": 25,
}
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?", re.ASCII)
OLDEST_BIRTH_YEAR = 1900
YOUNGEST_AGE = 14


def rrn_check_digit(first_twelve: str) -> int:
    """Check digit of a Korean resident registration number from its first 12 digits."""
    total = sum(int(d) * w for d, w in zip(first_twelve, RRN_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def _valid_date(year: int, month: int, day: int) -> date | None:
    """The date, or None if it does not exist."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


def is_kr_rrn(value: str) -> bool:
    """`YYMMDD-GNNNNNC`: a real birth date for the century digit, and the check digit.

    Numbers issued since October 2020 have a random tail without a check digit; they still
    need the date and century digit, and the classifier needs a name hit for them to count.
    """
    match = _RRN.fullmatch(value.strip())
    if not match:
        return False
    birth, tail = match.groups()
    century = _RRN_CENTURY[tail[0]]
    born = _valid_date(century + int(birth[:2]), int(birth[2:4]), int(birth[4:6]))
    if born is None or born > date.today():
        return False
    digits = birth + tail
    return rrn_check_digit(digits[:12]) == int(digits[12])


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a digit string."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if index % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def is_payment_card(value: str) -> bool:
    """13 to 19 digits (spaces or dashes allowed) with a card network prefix and a Luhn check."""
    digits = _CARD_SEPARATORS.sub("", value.strip())
    return (
        13 <= len(digits) <= 19
        and digits.isascii()
        and digits.isdigit()
        and digits.startswith(_CARD_PREFIX_SET)
        and luhn_valid(digits)
    )


def is_email(value: str) -> bool:
    """An address `local@domain.tld`."""
    return _EMAIL.fullmatch(value.strip()) is not None


def is_phone(value: str) -> bool:
    """A Korean number (mobile, area-coded, +82) or an international one written with +."""
    text = value.strip()
    if _KR_PHONE.fullmatch(text):
        return True
    digits = sum(c.isdigit() for c in text)
    return _INTL_PHONE.fullmatch(text) is not None and 8 <= digits <= 15


def is_ip_address(value: str) -> bool:
    """An IPv4 or IPv6 address (not a network, not a bare integer)."""
    text = value.strip()
    if not (text.count(".") == 3 or ":" in text):
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def is_iban(value: str) -> bool:
    """An IBAN: country, check digits, the country's length and mod-97 = 1."""
    text = value.replace(" ", "").upper()
    if not _IBAN.fullmatch(text) or _IBAN_LENGTHS.get(text[:2], len(text)) != len(text):
        return False
    rearranged = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def is_birth_date(value: str) -> bool:
    """A calendar date (no time of day) of someone at least 14 and born after 1900."""
    match = _DATE.fullmatch(value.strip())
    if not match:
        return False
    born = _valid_date(*(int(part) for part in match.groups()))
    today = date.today()
    return born is not None and OLDEST_BIRTH_YEAR <= born.year <= today.year - YOUNGEST_AGE


# Checked in this order; the first detector that matches a value names its class.
DETECTORS: dict[PiiClass, Callable[[str], bool]] = {
    PiiClass.EMAIL: is_email,
    PiiClass.KR_RRN: is_kr_rrn,
    PiiClass.PAYMENT_CARD: is_payment_card,
    PiiClass.BANK_ACCOUNT: is_iban,
    PiiClass.IP_ADDRESS: is_ip_address,
    PiiClass.PHONE: is_phone,
    PiiClass.DATE_OF_BIRTH: is_birth_date,
}

# Classes whose values identify a person on their own; dates and IP addresses are left out,
# since `2024-01-01` or `10.0.0.1` are reasonable column names in pivoted reports.
IDENTIFYING = (
    PiiClass.EMAIL,
    PiiClass.KR_RRN,
    PiiClass.PAYMENT_CARD,
    PiiClass.BANK_ACCOUNT,
    PiiClass.PHONE,
)
MAX_NAME_CHECK_CHARS = 256


def identifying_class(text: str) -> PiiClass | None:
    """The class of an identifying value (`IDENTIFYING`) the text validates as, else None:
    used on would-be column names, which are stored, so a value must never become one."""
    if len(text) > MAX_NAME_CHECK_CHARS:
        return None
    return next((name for name in IDENTIFYING if DETECTORS[name](text)), None)
