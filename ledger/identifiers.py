"""Validation of Chinese identifiers and phone numbers.

Each function returns the normalised value or raises ``InvalidInput`` naming
the field, a stable English code and the reason in Chinese. Pure: "today" is
passed in, never read from the clock.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import phonenumbers
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc

from ledger.errors import InvalidInput

# GB 32100-2015 alphabet: digits and capitals without I, O, S, V, Z.
USCC_ALPHABET = uscc._alphabet


def validate_uscc(value: str, field: str = "id_number") -> str:
    """Unified social credit code (统一社会信用代码), 18 characters, mod-31 check.

    python-stdnum requires the first eight characters to be digits and so
    rejects valid codes issued by authorities with letter codes (``N`` for
    agriculture, ``Y`` for others, ``A``…). For those we check the same
    structure ourselves: registration authority and organisation type from the
    alphabet, a six-digit region code, then the check character.
    """
    number = uscc.compact(value or "")
    if len(number) != 18:
        raise InvalidInput.one(field, "uscc_length", f"统一社会信用代码应为18位，实际为{len(number)}位")
    bad = sorted({c for c in number if c not in USCC_ALPHABET})
    if bad:
        raise InvalidInput.one(
            field, "uscc_charset", f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用I、O、S、V、Z）"
        )
    if not number[2:8].isdigit():
        raise InvalidInput.one(field, "uscc_region", "统一社会信用代码第3至8位（登记管理机关行政区划码）应为数字")
    if number[-1] != uscc.calc_check_digit(number):
        raise InvalidInput.one(field, "uscc_checksum", "统一社会信用代码校验位错误")
    return number


def validate_resident_id(value: str, today: date, field: str = "id_number") -> str:
    """Resident identity number (居民身份证号码, GB 11643-1999)."""
    number = ric.compact(value or "")
    if len(number) != 18:
        raise InvalidInput.one(field, "ric_length", f"身份证号码应为18位，实际为{len(number)}位")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidInput.one(field, "ric_format", "身份证号码前17位应为数字，末位为数字或X")
    try:
        birth = ric.get_birth_date(number)
    except stdnum_errors.ValidationError:
        raise InvalidInput.one(field, "ric_birth_date", "身份证号码中的出生日期无效") from None
    if birth > today:
        # stdnum accepts births in the future; a resident cannot have one.
        raise InvalidInput.one(field, "ric_birth_in_future", f"身份证号码中的出生日期{birth.isoformat()}晚于今天")
    try:
        ric.validate(number)
    except stdnum_errors.InvalidChecksum:
        raise InvalidInput.one(field, "ric_checksum", "身份证号码校验位错误") from None
    except stdnum_errors.ValidationError as e:
        raise InvalidInput.one(field, "ric_invalid", f"身份证号码无效：{e.message}") from None
    return number


def validate_phone(value: str, field: str = "phone") -> str:
    """A mainland China mobile or landline number; returned in E.164 form.

    phonenumbers (Google's libphonenumber metadata) knows the allocated
    mobile prefixes and the area codes, which a regular expression would not.
    """
    text = (value or "").strip()
    if not text:
        raise InvalidInput.one(field, "phone_missing", "联系电话不能为空")
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        raise InvalidInput.one(field, "phone_format", f"联系电话格式无法识别：{text}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidInput.one(field, "phone_invalid", f"联系电话不是有效的号码：{text}")
    if phonenumbers.region_code_for_number(parsed) != "CN":
        raise InvalidInput.one(field, "phone_not_mainland", f"联系电话应为中国大陆的手机或固定电话号码：{text}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_id_number(number: str) -> str:
    """Show the first six and last four characters only (``110105********002X``)."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_mobile(number: str) -> str:
    """A mobile number with its middle hidden (``+86138****5678``): personal data
    of an invited supervisor, masked for the roles that mask resident IDs."""
    text = number.strip()
    prefix = "+86" if text.startswith("+86") else ""  # stored with the country code
    digits = text[len(prefix):]
    if len(digits) <= 7:
        return prefix + "*" * len(digits)
    return prefix + digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_person_fields(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its ``id_number`` and ``mobile`` masked, where present (in place)."""
    if isinstance(data.get("id_number"), str) and data["id_number"]:
        data["id_number"] = mask_id_number(data["id_number"])
    if isinstance(data.get("mobile"), str) and data["mobile"]:
        data["mobile"] = mask_mobile(data["mobile"])
    return data


# Masking personal identifiers in what a reader is shown, by field.
#
# An individual's resident ID number can appear in an event in two shapes: an
# applicant-like record (``kind`` = individual beside ``id_number``: bookings,
# and the parties of later modules) and a correction of an identifier field
# (``FieldChange`` with the field's path, its ``old`` and ``new`` values).
# Masking walks the event's data and masks those fields wherever they sit, so
# an earlier number replaced by a correction is masked like the current one.

INDIVIDUAL = "individual"

# Correctable fields (``FieldChange.field``) that hold an identifier.
IDENTIFIER_FIELDS = frozenset({"applicant.id_number"})


def mask_personal(data: Any, *, individual: bool) -> Any:
    """A copy of ``data`` (builtins: dicts, lists, strings…) with every
    resident ID number masked. ``individual``: the case's applicant is a
    person, so a correction of ``applicant.id_number`` changes a resident ID."""
    if isinstance(data, (list, tuple)):  # msgspec.to_builtins keeps tuples
        return [mask_personal(v, individual=individual) for v in data]
    if not isinstance(data, dict):
        return data
    out = {k: mask_personal(v, individual=individual) for k, v in data.items()}
    if out.get("kind") == INDIVIDUAL and isinstance(out.get("id_number"), str):
        out["id_number"] = mask_id_number(out["id_number"])
    if individual and out.get("field") in IDENTIFIER_FIELDS:
        for key in ("old", "new"):
            if isinstance(out.get(key), str):
                out[key] = mask_id_number(out[key])
    return out
