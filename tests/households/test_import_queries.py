"""Excel import at scale (issue 21): the queries do not grow with the rows of the file, the
possible-duplicates look-up matches exact (name, birth date) pairs, and the day-first dates of
the template are read as before (a fast path in front of strptime)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from households import importer
from households.models import Household, Resident
from tests.households.factories import HouseholdFactory, ResidentFactory
from tests.households.test_import import row, xlsx


def _family(village, number: str, serial: int) -> list[list]:
    """A head and a child, each with a distinct valid ID number (no look-up conflicts)."""
    head_birth, child_birth = dt.date(1970, 1, 1 + serial % 28), dt.date(2000, 2, 1 + serial % 28)
    return [
        row(village.code, number, f"Nguyễn Văn Hộ {serial}", birth=head_birth.strftime("%d/%m/%Y"),
            id_number=f"022070{2 * serial:06d}"),
        row(village.code, number, f"Nguyễn Thị Con {serial}", relation="Con", sex="Nữ",
            birth=child_birth.strftime("%d/%m/%Y"), id_number=f"022300{2 * serial + 1:06d}"),
    ]  # fmt: skip


def _file(village, first: int, households: int):
    lines = []
    for serial in range(first, first + households):
        lines += _family(village, str(500 + serial), serial)
    return xlsx(lines)


@pytest.mark.django_db
def test_import_queries_do_not_grow_with_the_rows(
    official_a, village_a1, django_assert_max_num_queries
):
    """3 and 12 new households (6 and 24 residents, every one with an ID number to look up and
    a name to search for duplicates): the larger file sends no more queries than the smaller.
    (12, not more: SQLite splits an INSERT past 999 parameters, ~28 historical residents.)"""
    with CaptureQueriesContext(connection) as small:
        result = importer.import_apply(_file(village_a1, 0, 3), user=official_a)
    assert result.ok, (result.file_errors, result.row_errors)
    assert result.counts["residents_new"] == 6
    with django_assert_max_num_queries(len(small.captured_queries)):
        result = importer.import_apply(_file(village_a1, 3, 12), user=official_a)
    assert result.ok, (result.file_errors, result.row_errors)
    assert result.counts == {
        "households_new": 12, "households_updated": 0, "residents_new": 24,
        "residents_updated": 0,
    }  # fmt: skip
    assert Household.objects.filter(village=village_a1).count() == 15
    assert Resident.objects.filter(household__village=village_a1).count() == 30
    # Written with their history and their normalised search key, as one by one.
    imported = Resident.objects.get(id_number_digest__isnull=False, full_name="Nguyễn Văn Hộ 10")
    assert imported.search_key == "nguyen van ho 10"
    assert imported.history.count() == 1


@pytest.mark.django_db
def test_possible_duplicates_match_the_exact_name_and_birth_date_pairs(
    official_a, village_a1, village_a2
):
    """A resident of the commune is listed for a new row of the same folded name AND birth date
    only: the name of one with the birth date of the other is not a match."""
    an, binh = dt.date(1980, 9, 5), dt.date(1985, 1, 2)
    ResidentFactory(
        household=HouseholdFactory(village=village_a2, number="40"),
        full_name="Trần Văn An", birth_date=an,
    )  # fmt: skip
    ResidentFactory(
        household=HouseholdFactory(village=village_a2, number="41"),
        full_name="Lê Thị Bình", birth_date=binh, sex="F", relation="head",
    )  # fmt: skip
    lines = [
        row(village_a1.code, "90", "TRAN VAN AN", birth="05/09/1980", id_number=""),
        row(village_a1.code, "91", "Trần Văn An", birth="02/01/1985", id_number=""),
        row(village_a1.code, "92", "Lê Thị Bình", birth="05/09/1980", sex="Nữ", id_number=""),
        row(village_a1.code, "93", "le thi binh", birth="02/01/1985", sex="Nữ", id_number=""),
    ]
    check = importer.import_check(xlsx(lines), user=official_a)
    assert check.ok, (check.file_errors, check.row_errors)
    listed = {(d["row"], d["name"]) for d in check.as_json()["duplicates"]}
    assert listed == {(2, "TRAN VAN AN"), (5, "le thi binh")}


@pytest.mark.django_db
def test_day_first_birth_dates(official_a, village_a1):
    """dd/mm/yyyy with one or two digits is read day first; an impossible day is a row error
    with the one message, not a crash or a month-first reading."""
    ok = importer.import_check(
        xlsx([row(village_a1.code, "80", "Phạm Văn Ba", birth="05/09/1980", id_number="")]),
        user=official_a,
    )
    assert ok.ok, ok.row_errors
    assert ok.rows[0].values["birth"] == dt.date(1980, 9, 5)
    lines = [row(village_a1.code, "81", "Phạm Văn Bốn", birth="05/09/1980", id_number="")]
    lines[0][9] = "5/9/1980"
    single = importer.import_check(xlsx(lines), user=official_a)
    assert single.ok and single.rows[0].values["birth"] == dt.date(1980, 9, 5)
    lines[0][9] = "31/02/1980"
    wrong = importer.import_check(xlsx(lines), user=official_a)
    assert [m for _n, m in wrong.row_errors] == [
        gettext("Birth date: write it as dd/mm/yyyy, e.g. 05/09/1980.")
    ]
    assert wrong.rows[0].values["birth"] is None
