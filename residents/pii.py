"""Personal identifiers: encryption at rest, keyed hashes for exact lookup, and masking.

Names, phone numbers and national ID numbers are stored only as Fernet tokens. Exact lookup
(find a resident by phone or ID number) goes through an HMAC of the normalised value, so the
database never holds a searchable clear value. Display goes through the ``mask_*`` helpers
unless the viewer may see the value, and each unmasked display is audited by the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Mainland resident ID: 17 ASCII digits and a check character (digit or X). ``[0-9]``, not
# ``\d``: Python's ``\d`` matches every script's digits, and two spellings of one number must
# never pass as two identifiers.
NATIONAL_ID_PATTERN = re.compile(r"^[0-9]{17}[0-9X]$")
# Mainland mobile numbers; landlines with an area code are accepted too.
PHONE_PATTERN = re.compile(r"^(1[0-9]{10}|0[0-9]{2,3}[0-9]{7,8})$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def _cipher() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key was lost or rotated out: say so, never show the token
        raise ValueError("personal data cannot be decrypted with the configured keys") from exc


def canonical_text(value: str) -> str:
    """NFKC: full-width digits and letters (``１２３``, ``Ｘ``) become their ASCII forms, so a
    number typed on a Chinese keyboard is the same number. Digits of other scripts stay as
    they are, and the patterns above refuse them."""
    return unicodedata.normalize("NFKC", value or "")


def normalise_phone(value: str) -> str:
    """The canonical form of a phone number: NFKC, separators and a +86 prefix removed."""
    digits = re.sub(r"[\s\-()+]", "", canonical_text(value))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def normalise_national_id(value: str) -> str:
    """The canonical form of a resident ID number: NFKC, trimmed, check letter upper case."""
    return canonical_text(value).strip().upper()


def national_id_check_character(body17: str) -> str:
    """The 18th character of a resident ID number from its first 17 (GB 11643, ISO 7064)."""
    total = sum(int(d) * w for d, w in zip(body17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def national_id_checksum_ok(value: str) -> bool:
    return national_id_check_character(value[:17]) == value[17]


def validate_national_id(value: str) -> str:
    value = normalise_national_id(value)
    if not NATIONAL_ID_PATTERN.match(value) or not national_id_checksum_ok(value):
        raise ValidationError(
            _("Enter a valid 18-character resident ID number."), code="invalid_national_id"
        )
    return value


def validate_phone(value: str) -> str:
    value = normalise_phone(value)
    if not PHONE_PATTERN.match(value):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return value


def lookup_hash(value: str) -> str:
    """Keyed hash of an identifier in its canonical form (``normalise_*``), for exact-match
    lookup; stored hashes and lookups both hash that form."""
    key = settings.FIELD_LOOKUP_HASH_KEY.encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def mask_name(value: str) -> str:
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)


def mask_phone(value: str) -> str:
    if not value:
        return ""
    if len(value) <= 4:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7 if len(value) > 7 else 1) + value[-4:]


def mask_national_id(value: str) -> str:
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
