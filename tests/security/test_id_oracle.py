"""Finding 4 (docs/security.md): the duplicate-ID message reveals nothing outside the user's
scope, and ID look-ups that hit numbers outside it are rate limited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from households.models import HouseholdImport
from tests.households.factories import HouseholdFactory, ResidentFactory, make_id
from tests.households.test_field_forms import create_payload, resident_fields
from tests.households.test_import import row, upload

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1980, 9, 5)
GENERIC = "Không thể nhận số định danh này ở đây; hãy kiểm tra lại với cán bộ xã."
ELSEWHERE = "Số định danh này đã được đăng ký ở nơi khác; hãy liên hệ với UBND xã."
PAUSED = "Hiện không thể kiểm tra số định danh cho bạn"


@pytest.fixture
def foreign_ids(village_b1):
    """ID numbers of residents of commune B (outside every persona of commune A)."""
    household = HouseholdFactory(village=village_b1, number="77")
    numbers = []
    for n in range(6):
        number = make_id(BIRTH, "M")
        ResidentFactory(
            household=household, full_name=f"Người Bê {n}", relation="head" if n == 0 else "child",
            birth_date=BIRTH, id_number=number,
        )  # fmt: skip
        numbers.append(number)
    return numbers


def _errors(job: HouseholdImport) -> list[str]:
    return [e["message"] for e in job.result["errors"]]


def test_leader_import_gets_a_generic_row_error(login, leader_a1, village_a1, foreign_ids):
    job, response = upload(
        login(leader_a1), [row(village_a1.code, 1, "An", id_number=foreign_ids[0])]
    )
    assert _errors(job) == [GENERIC]
    page = login(leader_a1).get(response["Location"]).content.decode()
    assert "đã được đăng ký" not in page and "Thôn Bê Một" not in page and "Người Bê" not in page


def test_official_import_hears_only_registered_elsewhere(
    login, official_a, village_a1, foreign_ids
):
    job, _response = upload(
        login(official_a), [row(village_a1.code, 1, "An", id_number=foreign_ids[0])]
    )
    assert _errors(job) == [ELSEWHERE]


def test_in_scope_duplicate_still_names_the_household(login, official_a, village_a1, village_a2):
    number = make_id(BIRTH, "M")
    ResidentFactory(household=HouseholdFactory(village=village_a2, number="9"), id_number=number)
    job, _response = upload(login(official_a), [row(village_a1.code, 1, "An", id_number=number)])
    assert _errors(job) == ["Số định danh này đã được đăng ký cho một người của hộ 9 (Thôn Hai)."]


def test_leader_form_gets_the_generic_error(login, leader_a1, village_a1, foreign_ids):
    payload = create_payload(village_a1, resident_fields(0, id_number=foreign_ids[0]))
    body = login(leader_a1).post(reverse("households:household_create"), payload).content.decode()
    assert GENERIC in body and "đã được đăng ký" not in body


def test_foreign_hits_are_rate_limited(login, leader_a1, village_a1, foreign_ids, settings):
    settings.ID_LOOKUP_RATE_LIMIT = 3
    free = [make_id(BIRTH, "M") for _ in range(2)]
    rows = [
        row(village_a1.code, n + 1, f"Người {n}", id_number=number)
        for n, number in enumerate(foreign_ids[:4] + free)
    ]
    job, _response = upload(login(leader_a1), rows)
    errors = {e["row"]: e["message"] for e in job.result["errors"]}
    # Three hits answered; then every row with a number, registered or not, gets the pause.
    assert [errors[r] for r in (2, 3, 4)] == [GENERIC] * 3
    assert all(PAUSED in errors[r] for r in (5, 6, 7))
    # The pause holds for the forms too, even for a free number.
    payload = create_payload(village_a1, resident_fields(0, id_number=make_id(BIRTH, "M")))
    body = login(leader_a1).post(reverse("households:household_create"), payload).content.decode()
    assert PAUSED in body


def test_the_limit_is_per_user(login, leader_a1, official_a, village_a1, foreign_ids, settings):
    settings.ID_LOOKUP_RATE_LIMIT = 1
    upload(login(leader_a1), [row(village_a1.code, 1, "An", id_number=foreign_ids[0])])
    job, _response = upload(
        login(official_a), [row(village_a1.code, 1, "An", id_number=foreign_ids[1])]
    )
    assert _errors(job) == [ELSEWHERE]
