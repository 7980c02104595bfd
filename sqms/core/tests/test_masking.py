"""Normalisers, validators and maskers of personal data, with examples and properties."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sqms.core import masking
from sqms.core.masking import (
    COMPOUND_SURNAMES,
    MASK,
    id_number_check_char,
    is_valid_id_number,
    mask_address,
    mask_email,
    mask_id_number,
    mask_landline,
    mask_mobile,
    mask_name,
    mask_phone,
    normalise_phone,
)

MASKERS = [
    mask_name,
    mask_mobile,
    mask_landline,
    mask_phone,
    mask_id_number,
    mask_email,
    mask_address,
]


@pytest.mark.parametrize("masker", MASKERS)
@pytest.mark.parametrize("empty", ["", None])
def test_empty_stays_empty(masker, empty):
    assert masker(empty) == empty


# --- examples ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王**"),
        ("欧阳娜娜", "欧阳**"),
        ("诸葛亮", "诸葛*"),
        ("司马相如", "司马**"),
        ("欧阳", "欧*"),  # two characters: the compound surname would be all of it
        ("阿沛·阿旺晋美", "阿*·****"),
        ("张", "*"),
        ("John Smith", "J*** S****"),
        ("Mary-Jane O'Neil", "M***-J*** O'N***"),
        ("  李四 ", "李*"),
    ],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    "typed",
    [
        "13812341234",
        "+86 138-1234-1234",
        "+8613812341234",
        "0086 138 1234 1234",
        "86-138-1234-1234",
        "(+86) 138 1234 1234",
        "１３８１２３４１２３４",
    ],
)
def test_mobile_in_any_format(typed):
    assert normalise_phone(typed) == "13812341234"
    assert masking.is_mobile_number(typed)
    assert mask_mobile(typed) == "138****1234"
    assert mask_phone(typed) == "138****1234"


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        ("010-12345678", "010-****5678"),
        ("(010) 1234 5678", "010-****5678"),
        ("+86 10 12345678", "010-****5678"),
        ("021-87654321", "021-****4321"),
        ("0755-1234567", "0755-***4567"),
        ("0571-87654321-808", "0571-****4321-***"),
    ],
)
def test_landline(typed, masked):
    assert masking.is_landline_number(typed)
    assert mask_landline(typed) == masked
    assert mask_phone(typed) == masked


@pytest.mark.parametrize(
    ("typed", "valid"),
    [
        ("13812341234", True),
        ("+86 199 0000 1111", True),
        ("010-12345678", True),
        ("12812341234", False),  # no mobile prefix 12x
        ("1381234123", False),
        ("12345", False),
        ("abc", False),
    ],
)
def test_validate_phone_number(typed, valid):
    if valid:
        masking.validate_phone_number(typed)
    else:
        with pytest.raises(ValidationError):
            masking.validate_phone_number(typed)


def test_other_numbers_keep_only_their_tail():
    assert mask_phone("12345") == "*****"
    assert mask_phone("+1 415 555 0100") == "********0100"


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("110101199003071233", True),
        ("110101199003071234", False),  # wrong check digit
        ("11010119900307123", False),  # 17 characters
        ("110101199002301236", False),  # 30 February
        ("11010519491231002X", True),
        ("11010519491231002x", True),  # lower-case x is the same number
        ("110105 19491231 002X", True),
        ("110101299003071233", False),  # born in the future
        ("", False),
    ],
)
def test_is_valid_id_number(number, valid):
    assert is_valid_id_number(number) is valid


def test_mask_id_number():
    assert mask_id_number("110101199003071234") == "1101**********1234"
    assert mask_id_number("11010519491231002x") == "1101**********002X"
    assert mask_id_number("110101900307123") == "1101*******7123"  # old 15-digit numbers


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhangsan@example.com", "z*******@example.com"),
        ("a@b.cn", "*@b.cn"),
        ("li.si@mail.example.cn", "l****@mail.example.cn"),
        ("not-an-email", "n***********"),
    ],
)
def test_mask_email(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("广东省广州市天河区体育西路1号", "广东省广州市*********"),
        ("广东广州市天河区体育西路1号", "广东广州市*********"),
        ("北京市朝阳区建国路88号", "北京市朝阳区******"),
        ("上海浦东新区世纪大道100号", "上海浦东新区********"),
        ("广西壮族自治区南宁市青秀区民族大道", "广西壮族自治区南宁市*******"),
        ("新疆伊犁哈萨克自治州伊宁市解放路", "新疆伊犁哈萨克自治州******"),
        ("内蒙古锡林郭勒盟锡林浩特市", "内蒙古锡林郭勒盟*****"),
        ("香港特别行政区中环皇后大道", "香港特别行政区******"),
        ("建国路88号", "******"),
        ("1 Main St, Springfield", "* **** **, Springfield"),
    ],
)
def test_mask_address(address, masked):
    assert mask_address(address) == masked


# --- properties -------------------------------------------------------------------------------

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@given(mobiles)
def test_mobile_mask_hides_exactly_the_middle(number):
    masked = mask_mobile(number)
    assert len(masked) == len(number)
    assert masked[:3] == number[:3] and masked[7:] == number[7:]
    assert masked[3:7] == MASK * 4


@given(
    mobiles, st.sampled_from(["", "+86", "+86 ", "0086", "86-"]), st.sampled_from(["", " ", "-"])
)
def test_mobile_formats_normalise_alike(number, prefix, separator):
    typed = prefix + number[:3] + separator + number[3:7] + separator + number[7:]
    assert normalise_phone(typed) == number
    assert mask_mobile(typed) == mask_mobile(number)


@given(
    st.sampled_from(["010", "020", "021", "0571", "0755", "0931"]),
    st.from_regex(r"[1-9][0-9]{6,7}", fullmatch=True),
)
def test_landline_mask_hides_all_but_the_last_four(area, local):
    masked = mask_landline(f"{area}-{local}")
    assert masked == f"{area}-" + MASK * (len(local) - 4) + local[-4:]


birth_dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31))
regions = st.from_regex(r"[1-6][0-9]{5}", fullmatch=True)
sequence = st.from_regex(r"[0-9]{3}", fullmatch=True)


def build_id(region: str, born: datetime.date, seq: str) -> str:
    first17 = f"{region}{born:%Y%m%d}{seq}"
    return first17 + id_number_check_char(first17)


@given(regions, birth_dates, sequence)
def test_built_id_numbers_are_valid_and_masked(region, born, seq):
    number = build_id(region, born, seq)
    assert is_valid_id_number(number)
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[:4] == number[:4] and masked[-4:] == number[-4:]
    assert masked[4:14] == MASK * 10


@given(regions, birth_dates, sequence, st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_error_is_caught(region, born, seq, position, replacement):
    number = build_id(region, born, seq)
    if number[position] == replacement or (position < 17 and replacement == "X"):
        return
    wrong = number[:position] + replacement + number[position + 1 :]
    assert not is_valid_id_number(wrong)


cjk = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@given(st.text(cjk, min_size=2, max_size=6))
def test_chinese_name_keeps_the_surname_and_hides_the_rest(name):
    masked = mask_name(name)
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    assert len(masked) == len(name)
    assert masked[:keep] == name[:keep]
    assert set(masked[keep:]) == {MASK}


@given(st.sampled_from(sorted(COMPOUND_SURNAMES)), st.text(cjk, min_size=1, max_size=3))
def test_compound_surnames_are_kept_whole(surname, given_name):
    assert mask_name(surname + given_name) == surname + MASK * len(given_name)


@given(
    st.lists(st.from_regex(r"[A-Za-z]{1,10}", fullmatch=True), min_size=2, max_size=4).map(" ".join)
)
def test_latin_name_keeps_initials_only(name):
    masked = mask_name(name)
    assert len(masked) == len(name)
    for word, masked_word in zip(name.split(" "), masked.split(" "), strict=True):
        assert masked_word == word[0] + MASK * (len(word) - 1)


@given(
    st.from_regex(r"[a-z0-9._]{1,20}", fullmatch=True),
    st.from_regex(r"[a-z0-9]{1,10}\.(com|cn|net)", fullmatch=True),
)
def test_email_keeps_the_domain_and_first_character(local, domain):
    masked = mask_email(f"{local}@{domain}")
    # A one-character local part would be shown whole, so it is hidden instead.
    shown = local[0] if len(local) > 1 else MASK
    assert masked == shown + MASK * (len(local) - 1) + "@" + domain


@given(
    st.sampled_from(["广东省广州市", "浙江省杭州市", "北京市海淀区", "四川省凉山彝族自治州"]),
    st.text(cjk | st.sampled_from("0123456789号路"), min_size=1, max_size=20),
)
def test_address_keeps_the_region_and_hides_the_rest(region, street):
    masked = mask_address(region + street)
    assert len(masked) == len(region + street)
    assert masked.startswith(region)
    assert set(masked[len(region) :]) == {MASK}
