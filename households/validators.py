"""Validation of personal data typed in the field: ID numbers, phones, birth dates, coordinates.

Messages are English msgids translated to Vietnamese (households/locale/vi).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import ascii_digits

# Birth-registration province codes of the 12-digit personal ID number (digits 1-3): the 63
# provinces before the 2025 mergers (Circular 07/2016/TT-BCA, DOMAIN.md 5.1). Numbers already
# issued keep these codes after the mergers.
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "TP. Hồ Chí Minh", "080": "Long An",
    "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long",
    "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}  # fmt: skip

MAX_AGE_YEARS = 120
# ASCII only: Python's \d also matches Arabic-Indic and full-width digits (folded first).
_DIGITS_RE = re.compile(r"^[0-9]+$")


def clean_digits(value: str | None) -> str:
    """Digits folded to ASCII (core.text), without the spaces and dots typed inside numbers."""
    return re.sub(r"[\s.\-]", "", ascii_digits(value))


def id_century_sex(digit: int) -> tuple[int, str]:
    """Digit 4 of the ID: (first year of the century, 'M' or 'F')."""
    return 1900 + 100 * (digit // 2), ("M" if digit % 2 == 0 else "F")


def id_digit_for(year: int, sex: str) -> str:
    """The 4th digit for a birth year and sex (inverse of id_century_sex)."""
    return str((year // 100 - 19) * 2 + (0 if sex == "M" else 1))


def validate_id_number(
    value: str, *, birth_date: dt.date | None = None, sex: str | None = None
) -> str:
    """A 12-digit personal ID number (CCCD); returns it cleaned or raises ValidationError.

    With `birth_date` and `sex`, digits 4-6 must agree with them (century + sex, birth year).
    """
    number = clean_digits(value)
    if len(number) != 12 or not _DIGITS_RE.match(number):
        raise ValidationError(_("A personal ID number has exactly 12 digits."), code="id_format")
    if number[:3] not in PROVINCE_CODES:
        raise ValidationError(
            _("The first 3 digits (%(code)s) are not a known province code."),
            code="id_province",
            params={"code": number[:3]},
        )
    century, id_sex = id_century_sex(int(number[3]))
    year = century + int(number[4:6])
    if century > 2100:
        raise ValidationError(
            _("The 4th digit gives a birth year in the future."), code="id_century"
        )
    errors = []
    if birth_date is not None and birth_date.year != year:
        errors.append(
            ValidationError(
                _("Digits 4-6 give the birth year %(id_year)s, but the birth date is in %(year)s."),
                code="id_birth_year",
                params={"id_year": year, "year": birth_date.year},
            )
        )
    if sex in ("M", "F") and sex != id_sex:
        errors.append(
            ValidationError(
                _("The 4th digit is for a man, but the sex recorded is female.")
                if id_sex == "M"
                else _("The 4th digit is for a woman, but the sex recorded is male."),
                code="id_sex",
            )
        )
    if errors:
        raise ValidationError(errors)
    return number


def validate_legacy_id(value: str) -> str:
    """An old 9-digit identity card number (CMND), kept only in the legacy field."""
    number = clean_digits(value)
    if len(number) != 9 or not _DIGITS_RE.match(number):
        raise ValidationError(
            _("An old identity card number (CMND) has exactly 9 digits."), code="legacy_format"
        )
    return number


def normalise_phone(value: str | None) -> str:
    """A Vietnamese phone number stored as 0xxxxxxxxx; '' stays ''. Raises ValidationError.

    Accepts +84 / 84 / 0 prefixes, spaces, dots, dashes and brackets. Mobiles have 10 digits
    (03, 05, 07, 08, 09); landlines 11 digits (02x area code + 8 digits).
    """
    raw = ascii_digits(value)
    if not raw:
        return ""
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("0084"):
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if not _DIGITS_RE.match(digits) or not (
        re.match(r"^0[35789]\d{8}$", digits) or re.match(r"^02\d{9}$", digits)
    ):
        raise ValidationError(
            _(
                "Enter a Vietnamese phone number: a 10-digit mobile (e.g. 0912 345 678) or an "
                "11-digit landline (e.g. 0203 3888 999)."
            ),
            code="phone",
        )
    return digits


def validate_birth_date(value: dt.date, *, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    if value > today:
        raise ValidationError(_("The birth date cannot be in the future."), code="birth_future")
    if age_on(value, today) > MAX_AGE_YEARS:
        raise ValidationError(
            _("The age cannot be over %(max)s years: check the birth date."),
            code="birth_too_old",
            params={"max": MAX_AGE_YEARS},
        )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# Vietnam: the mainland (with its near-shore islands), the Hoàng Sa and Trường Sa archipelagos.
VIETNAM_BOXES = [
    (Decimal("8.10"), Decimal("23.40"), Decimal("102.10"), Decimal("109.50")),
    (Decimal("15.70"), Decimal("17.20"), Decimal("111.00"), Decimal("112.90")),
    (Decimal("6.00"), Decimal("12.00"), Decimal("111.40"), Decimal("116.00")),
]


def validate_coordinates(latitude, longitude) -> None:
    try:
        lat, lon = Decimal(str(latitude)), Decimal(str(longitude))
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValidationError(
            _("Enter the latitude and longitude as numbers."), code="coords"
        ) from exc
    if not any(a <= lat <= b and c <= lon <= d for a, b, c, d in VIETNAM_BOXES):
        raise ValidationError(
            _(
                "These coordinates (%(lat)s, %(lon)s) are outside Vietnam: check that latitude "
                "(about 8 to 23) and longitude (about 102 to 110) are not swapped."
            ),
            code="coords_outside",
            params={"lat": lat, "lon": lon},
        )
