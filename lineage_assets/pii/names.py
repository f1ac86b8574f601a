"""Column names that say what a column holds, in English, Korean and a few other languages.

A name is split into lower-case words (`customerEmail` → customer, email; `고객_이메일` →
고객, 이메일) and matched against whole-word phrases, so `email_sha256` still says email; a
negating word cancels a one-word hit (`product_name`, `email_sent_at`). Korean compounds are
written without separators (`고객전화번호`), so Korean phrases also match inside a word.
"""

from __future__ import annotations

import re
from itertools import pairwise

from lineage_assets.core.enums import PiiClass

# class → phrases; a phrase's space-separated words must appear consecutively in the name.
NAME_PHRASES: dict[PiiClass, tuple[str, ...]] = {
    PiiClass.EMAIL: (
        "email",
        "e mail",
        "mail address",
        "email address",
        "이메일",
        "메일",
        "電子メール",
        "courriel",
        "correo",
    ),
    PiiClass.PHONE: (
        "phone",
        "phone number",
        "telephone",
        "tel",
        "mobile",
        "mobile number",
        "cell",
        "cellphone",
        "msisdn",
        "전화번호",
        "전화",
        "휴대폰",
        "휴대전화",
        "핸드폰",
        "연락처",
        "電話番号",
        "telefon",
        "telefono",
        "téléphone",
    ),
    PiiClass.KR_RRN: (
        "rrn",
        "resident registration number",
        "resident number",
        "jumin",
        "jumin no",
        "주민등록번호",
        "주민번호",
        "ssn",
        "social security number",
        "national id",
    ),
    PiiClass.PERSON_NAME: (
        "full name",
        "first name",
        "last name",
        "given name",
        "family name",
        "surname",
        "customer name",
        "user name",
        "person name",
        "name",
        "이름",
        "성명",
        "고객명",
        "성함",
        "氏名",
        "nombre",
        "nom",
        "vorname",
        "nachname",
    ),
    PiiClass.ADDRESS: (
        "address",
        "street",
        "street address",
        "addr",
        "home address",
        "zip",
        "zip code",
        "postal code",
        "postcode",
        "주소",
        "도로명주소",
        "우편번호",
        "住所",
        "adresse",
        "direccion",
        "dirección",
    ),
    PiiClass.DATE_OF_BIRTH: (
        "birth date",
        "date of birth",
        "dob",
        "birthday",
        "birthdate",
        "생년월일",
        "생일",
        "生年月日",
        "geburtsdatum",
        "fecha de nacimiento",
    ),
    PiiClass.PAYMENT_CARD: (
        "card number",
        "card no",
        "card num",
        "credit card",
        "cc number",
        "pan",
        "카드번호",
        "신용카드",
        "신용카드번호",
        "クレジットカード",
    ),
    PiiClass.BANK_ACCOUNT: (
        "account number",
        "bank account",
        "account no",
        "iban",
        "계좌번호",
        "계좌",
        "口座番号",
        "kontonummer",
    ),
    PiiClass.PASSPORT: (
        "passport",
        "passport number",
        "passport no",
        "여권번호",
        "여권",
        "旅券番号",
    ),
    PiiClass.IP_ADDRESS: (
        "ip",
        "ip address",
        "ip addr",
        "ipv4",
        "ipv6",
        "client ip",
        "remote addr",
        "아이피",
        "ip주소",
    ),
}
# Words that turn a hit into something else: `file_name`, `product_name`, `email_sent_at`.
_NEGATING_WORDS = frozenset(
    {
        "file",
        "product",
        "table",
        "column",
        "bucket",
        "host",
        "event",
        "job",
        "model",
        "feature",
        "pipeline",
        "step",
        "company",
        "item",
        "category",
        "brand",
        "store",
        "shop",
        "domain",
        "template",
        "campaign",
        "sent",
        "opened",
        "verified",
        "count",
        "flag",
        "is",
        "has",
        "type",
        "code",
        "status",
        "at",
        "ts",
        "country",
        "city",
    }
)
# Words that say the column holds a masked or partial form, not the value (`email_hash`,
# `email_address_sha256`, `card_number_last4`, `phone_token`): not PII by name alone, whatever
# the phrase's length; sampled values still decide if they look like the real thing.
MASKED_WORDS = frozenset(
    {
        "hash",
        "hashed",
        "sha",
        "sha1",
        "sha2",
        "sha256",
        "sha512",
        "md5",
        "hmac",
        "digest",
        "salted",
        "mask",
        "masked",
        "redacted",
        "encrypted",
        "enc",
        "token",
        "tokenized",
        "tokenised",
        "pseudonymized",
        "pseudonymised",
        "anonymized",
        "anonymised",
        "partial",
        "truncated",
    }
)
_PARTIAL_WORD = re.compile(r"^(last|first)\d{1,2}$")  # `last4`, `first6`
_PARTIAL_LEAD = frozenset({"last", "first"})  # `last_4`, `first 6`
# Korean compounds that make a Korean hit something else: 파일이름 (file name), 상품명 …
_NEGATING_KOREAN = (
    "파일",
    "상품",
    "제품",
    "회사",
    "테이블",
    "컬럼",
    "모델",
    "브랜드",
    "매장",
    "카테고리",
)
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^0-9a-zA-Z\u00c0-\u024f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")
# (order, class, phrase words) of every phrase; the order breaks ties between equal sizes.
_PHRASES = [
    (order, pii_class, tuple(phrase.split()))
    for order, (pii_class, phrase) in enumerate(
        (pii_class, phrase) for pii_class, phrases in NAME_PHRASES.items() for phrase in phrases
    )
]
# The phrases a word can start (its first word) or stand for (its words glued: `birthdate`),
# so a name is matched against the few phrases its words can be part of, not all of them.
_BY_WORD: dict[str, list[tuple[int, PiiClass, tuple[str, ...]]]] = {}
for _entry in _PHRASES:
    _BY_WORD.setdefault(_entry[2][0], []).append(_entry)
    if len(_entry[2]) > 1:
        _BY_WORD.setdefault("".join(_entry[2]), []).append(_entry)


def name_words(column_path: str) -> list[str]:
    """The lower-case words of the column's last path part (`address.zip` → [zip])."""
    leaf = column_path.replace("[]", "").rsplit(".", 1)[-1]
    return [word.lower() for word in _SPLIT.split(_CAMEL.sub(" ", leaf)) if word]


def _match_size(words: list[str], phrase: tuple[str, ...]) -> int:
    """Words matched: the phrase's length when its words appear consecutively, 1 when they
    appear glued into one word (`birthdate`), 0 when the phrase is absent."""
    size = len(phrase)
    if any(tuple(words[i : i + size]) == phrase for i in range(len(words) - size + 1)):
        return size
    return 1 if size > 1 and "".join(phrase) in words else 0


def _korean_hit(words: list[str]) -> tuple[PiiClass | None, str | None] | None:
    """A Korean phrase inside a Korean word (longest first), or (None, None) when a negating
    compound is there too; None when no word has one."""
    for word in (w for w in words if _HANGUL.search(w)):
        found = [
            (len(phrase), pii_class, phrase)
            for pii_class, phrases in NAME_PHRASES.items()
            for phrase in phrases
            if _HANGUL.search(phrase) and phrase in word
        ]
        if found:
            if any(negating in word for negating in _NEGATING_KOREAN):
                return None, None
            _, pii_class, phrase = max(found)
            return pii_class, phrase
    return None


def says_masked(words: list[str]) -> bool:
    """Whether a name's words say it holds a masked or partial value: a masking word
    (`sha256`, `token`, `masked`), or the last/first N characters (`last4`, `last_4`)."""
    if MASKED_WORDS.intersection(words) or any(_PARTIAL_WORD.match(w) for w in words):
        return True
    return any(
        word in _PARTIAL_LEAD and following.isdigit() and len(following) <= 2
        for word, following in pairwise(words)
    )


def name_class(column_path: str) -> tuple[PiiClass | None, str | None]:
    """(class, matched phrase) the name points to; the longest matching phrase wins, a
    negating word (`product_name`, `email_sent_at`) cancels a one-word hit, and a name that
    says the value is masked or partial (`says_masked`) names no class."""
    words = name_words(column_path)
    if says_masked(words):
        return None, None
    best: tuple[int, PiiClass, str] | None = None
    korean = _korean_hit(words)
    if korean:
        return korean
    candidates = sorted({entry for word in set(words) for entry in _BY_WORD.get(word, ())})
    for _, pii_class, phrase_words in candidates:
        size = _match_size(words, phrase_words)
        if size and (best is None or size > best[0]):
            best = (size, pii_class, " ".join(phrase_words))
    if best is None:
        return None, None
    size, found_class, phrase = best
    if size == 1 and _NEGATING_WORDS & (set(words) - {phrase.replace(" ", "")}):
        return None, None
    return found_class, phrase
