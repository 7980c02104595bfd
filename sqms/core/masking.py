"""Normalisers, validators and maskers for personal data (names, phones, ID numbers, e-mail,
addresses).

Normalisers turn the many ways people type a value into one form, so the blind index of
"+86 138-1234-1234" equals that of "13812341234". Maskers show enough to recognise a value
(张*, 138****1234, 1101**********1234) and hide the rest; a masked value keeps the length of
what it masks and never shows a hidden character. Empty values stay empty.
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MASK = "*"

# The compound surnames (复姓) that are common enough to meet at a service counter.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "司空",
        "令狐",
        "澹台",
        "轩辕",
        "夏侯",
        "端木",
        "南宫",
        "西门",
        "独孤",
        "百里",
        "呼延",
        "万俟",
        "申屠",
        "太史",
        "闻人",
        "赫连",
        "钟离",
        "宗政",
        "濮阳",
        "公冶",
        "淳于",
        "单于",
        "拓跋",
        "第五",
        "左丘",
        "东郭",
        "仲孙",
        "公羊",
        "谷梁",
        "段干",
        "乐正",
        "漆雕",
        "壤驷",
        "巫马",
        "梁丘",
        "南门",
        "羊舌",
        "微生",
        "公西",
    ]
)

_NAME_SEPARATORS = frozenset(" ·•.-'’")


def _nfkc(value: str) -> str:
    # NFKC turns full-width digits, letters and punctuation (１３８, ＠) into ASCII.
    return unicodedata.normalize("NFKC", value)


def _mask_keep(value: str, keep_start: int, keep_end: int) -> str:
    """Keep `keep_start` characters at the start and `keep_end` at the end; mask the rest."""
    hidden = len(value) - keep_start - keep_end
    if hidden <= 0:
        return MASK * len(value)
    return value[:keep_start] + MASK * hidden + value[len(value) - keep_end :]


# --- names ------------------------------------------------------------------------------------


def normalise_name(value: str) -> str:
    """Collapse spacing and case, so "  Zhang  San " and "zhang san" look up alike."""
    return " ".join(_nfkc(value or "").split()).casefold()


def surname_length(name: str) -> int:
    """How many leading characters of a Chinese name are the family name."""
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return 2
    return 1


def _is_cjk(char: str) -> bool:
    return unicodedata.category(char) == "Lo"


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳**, John Smith → J*** S****.

    Chinese names keep the family name; Latin names keep the first letter of each word.
    A one-character name is masked whole, since keeping it would show all of it.
    """
    if not value:
        return value
    name = value.strip()
    if len(name) <= 1:
        return MASK * len(name) if name else value
    if _is_cjk(name[0]):
        keep = surname_length(name)
        return name[:keep] + "".join(
            char if char in _NAME_SEPARATORS else MASK for char in name[keep:]
        )
    masked = []
    at_word_start = True
    for char in name:
        if char in _NAME_SEPARATORS:
            masked.append(char)
            at_word_start = True
        elif at_word_start:
            masked.append(char)
            at_word_start = False
        else:
            masked.append(MASK)
    return "".join(masked)


# --- phone numbers ----------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 010 and 02x are three digits, all others four; local numbers 7 or 8 digits.
_LANDLINE = re.compile(r"^(010|02\d|0[3-9]\d{2})(\d{7,8})(\d{1,6})?$")
_PHONE_JUNK = re.compile(r"[\s\-()（）.]")


def normalise_phone(value: str) -> str:
    """+86 138-1234-1234 → 13812341234; (010) 1234 5678 → 01012345678.

    Strips spacing and punctuation and the country code of a mainland number; anything else is
    returned cleaned but otherwise unchanged, so it still gets a stable blind index.
    """
    cleaned = _PHONE_JUNK.sub("", _nfkc(value or ""))
    for prefix in ("+86", "0086", "86"):
        if cleaned.startswith(prefix):
            rest = cleaned[len(prefix) :]
            if _MOBILE.match(rest):
                return rest
            if prefix != "86" and rest and rest[0] != "0" and _LANDLINE.match("0" + rest):
                # +86 10 12345678: the trunk 0 is dropped after a country code.
                return "0" + rest
    return cleaned


def is_mobile_number(value: str) -> bool:
    return bool(_MOBILE.match(normalise_phone(value)))


def is_landline_number(value: str) -> bool:
    return bool(_LANDLINE.match(normalise_phone(value)))


def validate_phone_number(value: str) -> None:
    """Model/form validator: a mainland mobile or landline number, however it is typed."""
    if value and not (is_mobile_number(value) or is_landline_number(value)):
        raise ValidationError(
            _("Enter a mainland mobile number (11 digits) or a landline with its area code."),
            code="invalid_phone",
        )


def mask_mobile(value: str) -> str:
    """13812341234 (also +86 138-1234-1234) → 138****1234."""
    if not value:
        return value
    return _mask_keep(normalise_phone(value), 3, 4)


def mask_landline(value: str) -> str:
    """010-12345678 → 010-****5678; an extension is hidden too."""
    if not value:
        return value
    number = normalise_phone(value)
    match = _LANDLINE.match(number)
    if match is None:
        return _mask_keep(number, 0, 4)
    area, local, extension = match.groups()
    masked = f"{area}-{_mask_keep(local, 0, 4)}"
    if extension:
        masked += "-" + MASK * len(extension)
    return masked


def mask_phone(value: str) -> str:
    """Any phone number: mobile and landline as above, other numbers keep their last 4 digits."""
    if not value:
        return value
    number = normalise_phone(value)
    if _MOBILE.match(number):
        return mask_mobile(number)
    if _LANDLINE.match(number):
        return mask_landline(number)
    return _mask_keep(number, 0, 4) if len(number) > 6 else MASK * len(number)


# --- resident identity card numbers (GB 11643-1999) -------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")


def normalise_id_number(value: str) -> str:
    """Strip spaces and make the check character an upper-case X."""
    return re.sub(r"\s", "", _nfkc(value or "")).upper()


def id_number_check_char(first17: str) -> str:
    """The GB 11643 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def is_valid_id_number(value: str) -> bool:
    """An 18-character resident ID number with a real birth date and a correct check character."""
    number = normalise_id_number(value)
    if not _ID_SHAPE.match(number):
        return False
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if birth.year < 1800 or birth > datetime.date.today():
        return False
    return id_number_check_char(number[:17]) == number[17]


def validate_id_number(value: str) -> None:
    if value and not is_valid_id_number(value):
        raise ValidationError(_("Enter a valid 18-digit resident ID number."), code="invalid_id")


def mask_id_number(value: str) -> str:
    """110101199003071234 → 1101**********1234 (region of 4 digits and the last 4 stay)."""
    if not value:
        return value
    number = normalise_id_number(value)
    if len(number) >= 15:
        return _mask_keep(number, 4, 4)
    return _mask_keep(number, 1, 1)


# --- e-mail -----------------------------------------------------------------------------------


def normalise_email(value: str) -> str:
    return _nfkc(value or "").strip().lower()


def mask_email(value: str) -> str:
    """zhangsan@example.com → z*******@example.com; the domain stays."""
    if not value:
        return value
    email = value.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return _mask_keep(email, 1, 0)
    return _mask_keep(local, 1, 0) + "@" + domain


# --- addresses --------------------------------------------------------------------------------

_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_SAR = ("香港", "澳门")
_AUTONOMOUS_REGIONS = {
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
}
_PROVINCES = [
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
]
_CITY = re.compile(r"^.{1,10}?(?:自治州|地区|盟|市)")
_DISTRICT = re.compile(r"^.{1,8}?(?:区|县)")


def address_region_length(address: str) -> int:
    """How many leading characters name the province and city (or municipality and district)."""
    for short in _MUNICIPALITIES:
        if address.startswith(short):
            end = len(short) + (1 if address[len(short) : len(short) + 1] == "市" else 0)
            district = _DISTRICT.match(address[end:])
            return end + (district.end() if district else 0)
    for short in _SAR:
        if address.startswith(short):
            return len(short) + (5 if address[len(short) :].startswith("特别行政区") else 0)
    end = 0
    for short, full in _AUTONOMOUS_REGIONS.items():
        if address.startswith(full):
            end = len(full)
        elif address.startswith(short):
            end = len(short)
    for short in _PROVINCES:
        if address.startswith(short):
            end = len(short) + (1 if address[len(short) : len(short) + 1] == "省" else 0)
    if end == 0:
        return 0
    city = _CITY.match(address[end:])
    return end + (city.end() if city else 0)


def mask_address(value: str) -> str:
    """广东省广州市天河区体育西路1号 → 广东省广州市*********; 北京市朝阳区… → 北京市朝阳区****.

    Latin addresses ("1 Main St, Springfield") keep their last comma-separated part (the city
    or country); anything unrecognised is masked whole. Spaces stay, to keep the shape.
    """
    if not value:
        return value
    address = value.strip()
    keep = address_region_length(address)
    if keep == 0 and "," in address:
        head, _comma, tail = address.rpartition(",")
        return "".join(c if c.isspace() else MASK for c in head) + "," + tail
    return address[:keep] + "".join(c if c.isspace() else MASK for c in address[keep:])
