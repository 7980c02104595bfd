"""Validators of customer data with messages that say what is wrong (length, check digit, birth
date), on top of the foundation's normalisers."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sqms.core.masking import (
    id_number_check_char,
    is_landline_number,
    is_mobile_number,
    normalise_id_number,
    normalise_phone,
)

_DIGITS = re.compile(r"^\d+$")
EARLIEST_BIRTH_YEAR = 1900


def validate_phone(value: str) -> None:
    """A mainland mobile (11 digits, 13x–19x) or a landline with its area code."""
    if not value:
        return
    number = normalise_phone(value)
    if is_mobile_number(number) or is_landline_number(number):
        return
    if not _DIGITS.match(number):
        raise ValidationError(
            _("A phone number may contain only digits, spaces, dashes and a leading +86."),
            code="phone_characters",
        )
    if number.startswith("1"):
        raise ValidationError(
            _("A mobile number has 11 digits and starts with 13–19; this one has %(count)d digits.")
            % {"count": len(number)},
            code="mobile_length",
        )
    raise ValidationError(
        _(
            "Enter a mainland mobile number (11 digits) or a landline with its area code "
            "(e.g. 010-12345678)."
        ),
        code="invalid_phone",
    )


def validate_resident_id(value: str, *, today: datetime.date | None = None) -> None:
    """An 18-character resident ID number (GB 11643): 17 digits and a check character, a real
    birth date not in the future, and the right check character."""
    if not value:
        return
    number = normalise_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("A resident ID number has 18 characters; this one has %(count)d.")
            % {"count": len(number)},
            code="id_length",
        )
    if not _DIGITS.match(number[:17]) or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("A resident ID number is 17 digits followed by a digit or X."),
            code="id_characters",
        )
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("Digits 7–14 of a resident ID number are the birth date; %(date)s is not a date.")
            % {"date": number[6:14]},
            code="id_birth_date",
        ) from None
    if birth.year < EARLIEST_BIRTH_YEAR or birth > (today or datetime.date.today()):
        raise ValidationError(
            _("The birth date in this resident ID number (%(date)s) is not plausible.")
            % {"date": birth.isoformat()},
            code="id_birth_date",
        )
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(
            _("The check digit of this resident ID number is wrong; please check for a typo."),
            code="id_checksum",
        )


def birth_year_from_id(value: str) -> int | None:
    number = normalise_id_number(value)
    return int(number[6:10]) if len(number) == 18 and number[6:10].isdigit() else None


def gender_from_id(value: str) -> str:
    """The 17th digit is odd for men and even for women."""
    number = normalise_id_number(value)
    if len(number) != 18 or not number[16].isdigit():
        return ""
    return "male" if int(number[16]) % 2 else "female"
