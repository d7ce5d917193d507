"""The formats shared by every interface language (see smartvillage/formats/__init__.py)."""

# The first entry is what the admin's calendar ("Today") writes into the box: day first.
# strptime's %d and %m also accept one digit, so 5/1/2026 is read as 5 January 2026.
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 05/11/2026, 5/11/2026
    "%Y-%m-%d",  # 2026-11-05 (ISO; what <input type="date"> sends)
    "%d-%m-%Y",  # 05-11-2026
    "%d.%m.%Y",  # 05.11.2026
    "%d/%m/%y",  # 05/11/26
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M"]

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "m/Y"
MONTH_DAY_FORMAT = "d/m"
FIRST_DAY_OF_WEEK = 1  # Monday

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
# Used where grouping is asked for (number_format(force_grouping=True), the `number` and `vnd`
# filters of core.templatetags.vn_format). USE_THOUSAND_SEPARATOR stays off, so a plain
# {{ number }} (an id in a form, a year) is never grouped.
NUMBER_GROUPING = 3
