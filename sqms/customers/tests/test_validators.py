"""Phone and resident ID validation: wrong length, characters, birth date, check digit."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from sqms.customers.tests.conftest import valid_id
from sqms.customers.validators import (
    birth_year_from_id,
    gender_from_id,
    validate_phone,
    validate_resident_id,
)


@pytest.mark.parametrize(
    "value",
    [
        "13912345678",
        "+86 139-1234-5678",
        "0086 13912345678",
        "010-12345678",
        "(020) 8765 4321",
        "0755-12345678",
        "１３９１２３４５６７８",
        "",
    ],
)
def test_valid_phones(value: str) -> None:
    validate_phone(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1391234567", "mobile_length"),  # 10 digits
        ("139123456789", "mobile_length"),  # 12 digits
        ("12012345678", "mobile_length"),  # 12x is no mobile prefix
        ("12345", "mobile_length"),
        ("0123", "invalid_phone"),
        ("139abc45678", "phone_characters"),
        ("call me", "phone_characters"),
    ],
)
def test_bad_phones_have_clear_messages(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_phone(value)
    assert error.value.code == code
    assert error.value.messages[0]


def test_mobile_length_message_says_how_many_digits() -> None:
    with pytest.raises(ValidationError) as error:
        validate_phone("1391234567")
    assert "10" in error.value.messages[0]


def test_valid_id_numbers() -> None:
    validate_resident_id("11010519491231002X")
    validate_resident_id("11010519491231002x")  # lower-case check character
    validate_resident_id(valid_id("44010619900307123"))


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("1101051949123100", "id_length"),  # 16
        ("110105194912310021X", "id_length"),  # 19
        ("110105194912310022", "id_checksum"),  # wrong check digit
        ("11010519491231002Y", "id_characters"),
        ("11010519A91231002X", "id_characters"),
        (valid_id("11010519490231002"), "id_birth_date"),  # 31 February
        (valid_id("11010518890101002"), "id_birth_date"),  # before 1900
        (valid_id("11010521990101002"), "id_birth_date"),  # in the future
    ],
)
def test_bad_id_numbers_have_clear_messages(value: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        validate_resident_id(value, today=datetime.date(2026, 11, 21))
    assert error.value.code == code


def test_length_message_says_how_many_characters() -> None:
    with pytest.raises(ValidationError) as error:
        validate_resident_id("1101051949123100")
    assert "18" in error.value.messages[0] and "16" in error.value.messages[0]


def test_birth_year_and_gender_from_id() -> None:
    assert birth_year_from_id("11010519491231002X") == 1949
    assert gender_from_id("11010519491231002X") == "female"  # 17th digit 2: even
    assert gender_from_id(valid_id("11010519491231001")) == "male"
    assert gender_from_id("short") == ""
