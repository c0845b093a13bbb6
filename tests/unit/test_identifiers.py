"""Validation of Chinese identifiers and phone numbers (``ledger.identifiers``)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from ledger.errors import InvalidInput
from ledger.identifiers import USCC_ALPHABET, mask_id_number, validate_phone, validate_resident_id, validate_uscc

TODAY = date(2026, 11, 20)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
LETTERS = "".join(c for c in USCC_ALPHABET if c.isalpha())


def field_error(exc_info: pytest.ExceptionInfo[InvalidInput]):
    """The single field error of an ``InvalidInput``, checked to be well formed."""
    errors = exc_info.value.errors
    assert len(errors) == 1
    error = errors[0]
    assert CHINESE.search(error.message), f"message not in Chinese: {error.message!r}"
    return error


def with_uscc_check(body: str) -> str:
    return body + uscc.calc_check_digit(body)


def with_ric_check(body: str) -> str:
    # stdnum's ric.calc_check_digit expects the number *with* a check digit slot
    return body + ric.calc_check_digit(body + "0")


# ------------------------------------------------------------------- USCC

uscc_bodies = st.builds(
    lambda head, region, org: head + region + org,
    st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


def test_a_valid_digit_led_uscc_is_accepted_unchanged():
    assert validate_uscc("91110000600037341L") == "91110000600037341L"


def test_a_uscc_is_normalised_to_upper_case_without_spaces_or_hyphens():
    assert validate_uscc(" 91110000600037341l ") == "91110000600037341L"
    assert validate_uscc("9111-0000-6000-3734-1L") == "91110000600037341L"
    assert validate_uscc("9111 0000 6000 3734 1L") == "91110000600037341L"


@pytest.mark.parametrize(
    "body",
    [
        "N2370303MA3C7Q2N8",  # 农业 (agriculture) authority
        "Y1110105MA01ABCD2",  # 其他 (others)
        "A1370303MA3C7Q2N8",  # a letter-coded authority
        "NA110000MA0000001",  # letter-coded organisation type too
    ],
)
def test_a_letter_led_uscc_with_a_correct_mod31_check_character_is_accepted(body):
    code = with_uscc_check(body)
    assert not uscc.is_valid(code)  # python-stdnum alone would refuse it
    assert validate_uscc(code) == code


@settings(max_examples=200)
@given(body=uscc_bodies)
def test_any_code_of_the_gb32100_structure_with_its_check_character_is_accepted(body):
    code = with_uscc_check(body)
    assert validate_uscc(code) == code
    assert validate_uscc(code.lower()) == code


@settings(max_examples=200)
@given(body=uscc_bodies, data=st.data())
def test_any_other_check_character_is_rejected_with_uscc_checksum(body, data):
    good = uscc.calc_check_digit(body)
    wrong = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != good]))
    with pytest.raises(InvalidInput) as info:
        validate_uscc(body + wrong, "applicant.id_number")
    error = field_error(info)
    assert (error.field, error.code) == ("applicant.id_number", "uscc_checksum")


@settings(max_examples=200)
@given(body=uscc_bodies, data=st.data())
def test_any_single_changed_character_of_a_valid_uscc_is_detected(body, data):
    code = with_uscc_check(body)
    i = data.draw(st.integers(0, 16), label="position")
    c = data.draw(st.sampled_from([x for x in USCC_ALPHABET if x != code[i]]), label="replacement")
    changed = code[:i] + c + code[i + 1 :]
    with pytest.raises(InvalidInput) as info:
        validate_uscc(changed)
    expected = "uscc_region" if 2 <= i < 8 and not c.isdigit() else "uscc_checksum"
    assert field_error(info).code == expected


def test_a_wrong_check_character_is_rejected():
    with pytest.raises(InvalidInput) as info:
        validate_uscc("91110000600037341X", "applicant.id_number")
    error = field_error(info)
    assert (error.field, error.code) == ("applicant.id_number", "uscc_checksum")
    assert "校验位" in error.message


@pytest.mark.parametrize(
    ("value", "length"),
    [("9111000060003734L", 17), ("91110000600037341LL", 19), ("", 0), (None, 0), ("   ", 0)],
)
def test_a_uscc_of_the_wrong_length_is_rejected_with_its_length(value, length):
    with pytest.raises(InvalidInput) as info:
        validate_uscc(value)
    error = field_error(info)
    assert (error.field, error.code) == ("id_number", "uscc_length")
    assert f"实际为{length}位" in error.message


@pytest.mark.parametrize("letter", list("IOSVZ"))
@pytest.mark.parametrize("position", [0, 10, 17])
def test_the_letters_i_o_s_v_z_are_forbidden_anywhere(letter, position):
    code = "91110000600037341L"
    bad = code[:position] + letter + code[position + 1 :]
    with pytest.raises(InvalidInput) as info:
        validate_uscc(bad)
    error = field_error(info)
    assert error.code == "uscc_charset"
    assert letter in error.message


def test_a_forbidden_lower_case_letter_is_reported_as_its_capital():
    with pytest.raises(InvalidInput) as info:
        validate_uscc("91110000600037341o")
    assert field_error(info).code == "uscc_charset"
    assert "O" in info.value.errors[0].message


def test_punctuation_is_rejected_as_a_forbidden_character():
    with pytest.raises(InvalidInput) as info:
        validate_uscc("91110000600037341.")
    assert field_error(info).code == "uscc_charset"


@pytest.mark.parametrize("region", ["A10000", "11000X", "1100E0"])
def test_a_region_code_that_is_not_six_digits_is_rejected_even_with_a_correct_check(region):
    code = with_uscc_check("91" + region + "600037341")
    with pytest.raises(InvalidInput) as info:
        validate_uscc(code)
    error = field_error(info)
    assert error.code == "uscc_region"
    assert "行政区划码" in error.message


# ------------------------------------------------------------ resident ID


def test_a_valid_resident_id_is_accepted():
    assert validate_resident_id("11010519491231002X", TODAY) == "11010519491231002X"


def test_a_lower_case_x_check_character_is_normalised():
    assert validate_resident_id(" 11010519491231002x ", TODAY) == "11010519491231002X"


@settings(max_examples=200)
@given(birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY), seq=st.integers(0, 999))
def test_any_resident_id_born_by_today_with_its_check_digit_is_accepted(birth, seq):
    number = with_ric_check(f"110105{birth:%Y%m%d}{seq:03d}")
    assert validate_resident_id(number, TODAY) == number


@settings(max_examples=200)
@given(birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY), seq=st.integers(0, 999), data=st.data())
def test_any_other_check_digit_is_rejected_with_ric_checksum(birth, seq, data):
    number = with_ric_check(f"110105{birth:%Y%m%d}{seq:03d}")
    wrong = data.draw(st.sampled_from([c for c in "0123456789X" if c != number[-1]]))
    with pytest.raises(InvalidInput) as info:
        validate_resident_id(number[:-1] + wrong, TODAY, "applicant.id_number")
    error = field_error(info)
    assert (error.field, error.code) == ("applicant.id_number", "ric_checksum")


def test_a_birth_date_in_the_future_is_rejected_although_stdnum_accepts_it():
    tomorrow = TODAY + timedelta(days=1)
    number = with_ric_check(f"110105{tomorrow:%Y%m%d}001")
    assert ric.is_valid(number)  # the checksum and date are fine for stdnum
    with pytest.raises(InvalidInput) as info:
        validate_resident_id(number, TODAY, "applicant.id_number")
    error = field_error(info)
    assert (error.field, error.code) == ("applicant.id_number", "ric_birth_in_future")
    assert tomorrow.isoformat() in error.message


@settings(max_examples=100)
@given(birth=st.dates(min_value=TODAY + timedelta(days=1), max_value=date(2099, 12, 31)), seq=st.integers(0, 999))
def test_any_future_birth_date_is_rejected(birth, seq):
    number = with_ric_check(f"110105{birth:%Y%m%d}{seq:03d}")
    with pytest.raises(InvalidInput) as info:
        validate_resident_id(number, TODAY)
    assert field_error(info).code == "ric_birth_in_future"


def test_someone_born_today_is_accepted():
    number = with_ric_check(f"110105{TODAY:%Y%m%d}001")
    assert validate_resident_id(number, TODAY) == number


def test_a_bad_checksum_is_rejected():
    with pytest.raises(InvalidInput) as info:
        validate_resident_id("110105194912310021", TODAY)
    error = field_error(info)
    assert (error.field, error.code) == ("id_number", "ric_checksum")


@pytest.mark.parametrize("birth", ["19490230", "19491301", "19490000", "20230229"])
def test_an_impossible_birth_date_is_rejected(birth):
    number = with_ric_check(f"110105{birth}002")
    with pytest.raises(InvalidInput) as info:
        validate_resident_id(number, TODAY)
    assert field_error(info).code == "ric_birth_date"


@pytest.mark.parametrize("value", ["1101051949123100AX", "11010519491231002Y", "A1010519491231002X"])
def test_letters_other_than_a_final_x_are_rejected(value):
    with pytest.raises(InvalidInput) as info:
        validate_resident_id(value, TODAY)
    assert field_error(info).code == "ric_format"


@pytest.mark.parametrize("value", ["11010519491231002", "11010519491231002X1", "", None])
def test_a_resident_id_of_the_wrong_length_is_rejected(value):
    with pytest.raises(InvalidInput) as info:
        validate_resident_id(value, TODAY)
    assert field_error(info).code == "ric_length"


def test_an_unknown_region_code_is_rejected_even_with_a_correct_checksum():
    number = with_ric_check("99999919800101001")
    with pytest.raises(InvalidInput) as info:
        validate_resident_id(number, TODAY)
    assert field_error(info).code == "ric_invalid"


# ------------------------------------------------------------------ phones


@pytest.mark.parametrize(
    ("value", "e164"),
    [
        ("13953312345", "+8613953312345"),
        ("139 5331 2345", "+8613953312345"),
        ("139-5331-2345", "+8613953312345"),
        ("19912345678", "+8619912345678"),
        ("0533-2345678", "+865332345678"),
        ("(0533)2345678", "+865332345678"),
        ("010-65529988", "+861065529988"),
        ("021 6234 5678", "+862162345678"),
        ("+86 139 5331 2345", "+8613953312345"),
        ("+8613953312345", "+8613953312345"),
        ("008613953312345", "+8613953312345"),
        ("+86 533 2345678", "+865332345678"),
        ("  +86-10-6552-9988  ", "+861065529988"),
    ],
)
def test_mobile_and_landline_numbers_are_normalised_to_e164(value, e164):
    assert validate_phone(value, "contact.phone") == e164


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "phone_missing"),
        ("   ", "phone_missing"),
        (None, "phone_missing"),
        ("abc", "phone_format"),
        ("电话", "phone_format"),
        ("12345", "phone_invalid"),
        ("1395331234", "phone_invalid"),
        ("139533123456", "phone_invalid"),
        ("23953312345", "phone_invalid"),
        ("12345678", "phone_invalid"),  # a landline without its area code
    ],
)
def test_garbage_phone_numbers_are_rejected(value, code):
    with pytest.raises(InvalidInput) as info:
        validate_phone(value, "contact.phone")
    error = field_error(info)
    assert (error.field, error.code) == ("contact.phone", code)


@pytest.mark.parametrize("value", ["+1 650 253 0000", "+44 20 7946 0958", "+81 3-1234-5678"])
def test_a_foreign_phone_number_is_rejected(value):
    with pytest.raises(InvalidInput) as info:
        validate_phone(value)
    assert field_error(info).code == "phone_not_mainland"


@settings(max_examples=200)
@given(prefix=st.sampled_from(["139", "138", "150", "186", "199"]), rest=st.text("0123456789", min_size=8, max_size=8))
def test_every_mobile_number_normalises_the_same_in_every_written_form(prefix, rest):
    number = prefix + rest
    e164 = "+86" + number
    for form in (number, f"{number[:3]} {number[3:7]} {number[7:]}", f"+86{number}", f"0086{number}", f"+86-{number}"):
        assert validate_phone(form) == e164


# ------------------------------------------------------------------ masking


def test_an_id_number_shows_only_its_first_six_and_last_four_characters():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("91110000600037341L") == "911100********341L"


@pytest.mark.parametrize("value", ["", "1", "1234567890"])
def test_a_short_number_is_masked_entirely(value):
    assert mask_id_number(value) == "*" * len(value)


@given(st.text(alphabet=USCC_ALPHABET + "X", min_size=0, max_size=30))
def test_masking_keeps_the_length_and_hides_everything_but_the_ends(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    if len(value) <= 10:
        assert set(masked) <= {"*"}
    else:
        assert masked[:6] == value[:6]
        assert masked[-4:] == value[-4:]
        assert set(masked[6:-4]) == {"*"}
