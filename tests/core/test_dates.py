"""The one date helper (core.dates): full years, 29 February on 28 February in common years."""

import datetime as dt

import pytest

from core.dates import add_months, age_on, anniversary, month_start, month_starts, years_before

D = dt.date


@pytest.mark.parametrize(
    "on, years, cut",
    [
        (D(2026, 6, 15), 18, D(2008, 6, 15)),
        (D(2026, 2, 28), 18, D(2008, 2, 29)),  # born 29/02/2008: 18 on 28/02/2026
        (D(2026, 2, 28), 17, D(2009, 2, 28)),
        (D(2026, 3, 1), 18, D(2008, 3, 1)),
        (D(2028, 2, 29), 18, D(2010, 2, 28)),  # born 01/03/2010 is still 17 that day
        (D(2028, 2, 29), 20, D(2008, 2, 29)),
        (D(2028, 2, 28), 20, D(2008, 2, 28)),  # leap year: born 29/02/2008 turns 20 tomorrow
    ],
)
def test_years_before(on, years, cut):
    assert years_before(on, years) == cut


@pytest.mark.parametrize(
    "born, on, age",
    [
        (D(2008, 2, 29), D(2026, 2, 27), 17),
        (D(2008, 2, 29), D(2026, 2, 28), 18),
        (D(2008, 2, 29), D(2028, 2, 28), 19),
        (D(2008, 2, 29), D(2028, 2, 29), 20),
        (D(2012, 6, 16), D(2026, 6, 15), 13),
        (D(2012, 6, 15), D(2026, 6, 15), 14),
    ],
)
def test_age_on(born, on, age):
    assert age_on(born, on) == age
    # The cut and the age say the same thing.
    assert (born <= years_before(on, age)) and not (born <= years_before(on, age + 1))


def test_anniversary_and_months():
    assert anniversary(D(2024, 2, 29), 5) == D(2029, 2, 28)
    assert anniversary(D(2024, 2, 29), 4) == D(2028, 2, 29)
    assert add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert add_months(D(2023, 10, 15), 36) == D(2026, 10, 15)
    assert month_start(D(2026, 1, 20), -1) == D(2025, 12, 1)
    assert month_start(D(2026, 1, 20)) == D(2026, 1, 1)
    assert month_starts(D(2026, 2, 10), 3) == [D(2025, 12, 1), D(2026, 1, 1), D(2026, 2, 1)]
