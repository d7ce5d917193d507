"""Calendar arithmetic, in one place: ages and anniversaries, whole months, month starts.

Ages are counted in full years (tuổi tròn): a person is N on the day of their N-th birthday.
Someone born on 29 February has no birthday in a common year; their anniversary is then the
last day of February (28 February). This follows the Civil Code 2015 (Bộ luật Dân sự), art. 148:
a period counted in months whose last month has no corresponding day ends on that month's last
day, applied to years the same way (docs/decisions.md). `dateutil.relativedelta` agrees:
29/02/2008 + 18 years = 28/02/2026.
"""

from __future__ import annotations

import calendar
import datetime as dt


def anniversary(day: dt.date, years: int) -> dt.date:
    """`day` plus whole years; 29 February falls on 28 February in a common year."""
    year = day.year + years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return day.replace(year=year)


def years_before(on: dt.date, years: int) -> dt.date:
    """The latest birth (or start) date whose `years`-th anniversary is on or before `on`.

    `birth_date <= years_before(on, 18)` means "18 or older on `on`"; the same cut serves
    "more than 5 years ago" for retention. On 28 February of a common year, someone born on
    29 February of a leap year has their anniversary that day, so the cut is 29 February.
    """
    year = on.year - years
    if on.month == 2 and on.day == 28 and calendar.isleap(year) and not calendar.isleap(on.year):
        return dt.date(year, 2, 29)
    if on.month == 2 and on.day == 29 and not calendar.isleap(year):
        return dt.date(year, 2, 28)
    return on.replace(year=year)


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Age in full years on `on` (the birthday itself counts)."""
    age = on.year - birth_date.year
    return age if anniversary(birth_date, age) <= on else age - 1


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months; the 31st (or 29 February) falls back to the month's last day.

    For terms such as "certificate valid 36 months" (Civil Code art. 148 again).
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_start(day: dt.date, months: int = 0) -> dt.date:
    """The first day of the month `months` away from `day`'s month (reporting periods)."""
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_starts(end: dt.date, count: int) -> list[dt.date]:
    """The first days of the `count` months ending with `end`'s month, oldest first."""
    return [month_start(end, -i) for i in range(count - 1, -1, -1)]
