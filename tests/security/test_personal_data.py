"""Personal data: never in logs, public pages or error pages; audited full exports; retention;
the encryption key."""

from __future__ import annotations

import datetime as dt
import io
import logging
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.logging import RedactPersonalDataFilter
from households import crypto
from households.models import ExportAudit, Household, Resident
from households.retention import anonymise, anonymised_name, residents_due

from .conftest import ID_A, ID_B, PHONE_A, PHONE_B, SECRET_NAME_A

PERSONAL = (ID_A, ID_B, PHONE_A, PHONE_B, "0912 345 678", "+84912345678")


@contextmanager
def configured_log_output():
    """What the handlers configured in settings.LOGGING write (not pytest's own capture)."""
    root = logging.getLogger()
    handlers = [
        h for h in root.handlers if any(isinstance(f, RedactPersonalDataFilter) for f in h.filters)
    ]
    assert handlers, "settings.LOGGING's redacting console handler is not installed"
    buffer = io.StringIO()
    previous = [h.setStream(buffer) for h in handlers]
    level = root.level
    root.setLevel(logging.DEBUG)
    try:
        yield buffer
    finally:
        root.setLevel(level)
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)


def test_id_numbers_and_phones_never_reach_the_logs(world, client, monkeypatch):
    from households import views

    client.force_login(world.personas["leader_a1"])
    household = world.a.household
    with configured_log_output() as out:
        # A form with errors and a valid one, both carrying an ID number and a phone.
        client.post(
            reverse("households:resident_create", args=[household.pk]),
            {"full_name": "Người Mới", "birth_date": "1990-01-01", "sex": "M",
             "relation": "child", "id_number": "999080123456", "phone": "0912 345 678"},
        )  # fmt: skip
        client.post(
            reverse("households:resident_create", args=[household.pk]),
            {"full_name": "Người Mới", "birth_date": "1990-01-01", "sex": "M",
             "relation": "child", "id_number": ID_B, "phone": PHONE_B},
        )  # fmt: skip
        # Loggers of the apps, with personal data in arguments and in a traceback.
        logging.getLogger("households").warning("resident %s phone %s", ID_A, PHONE_A)
        try:
            raise ValueError(f"duplicate {ID_B} / +84912345678")
        except ValueError:
            logging.getLogger("households.jobs").exception("import failed for %s", ID_A)

        # An unexpected error in a view: Django logs it (django.request) with the traceback.
        def boom(request, *args, **kwargs):
            raise RuntimeError(f"crashed on {ID_A} {PHONE_A}")

        monkeypatch.setattr(views, "render", boom)
        client.raise_request_exception = False
        response = client.get(reverse("households:household_detail", args=[household.pk]))
    text = out.getvalue()
    assert response.status_code == 500
    assert "RuntimeError" in text and "import failed" in text  # the logs are there...
    for secret in PERSONAL:
        assert secret not in text, f"{secret} reached the log"  # ...without personal data
    # The 500 page is the Vietnamese template, without the data of the error.
    page = response.content.decode()
    assert "Đã có lỗi xảy ra" in page or "lỗi" in page.lower()
    assert ID_A not in page and PHONE_A not in page and "RuntimeError" not in page


PUBLIC_URLS = [
    "/",
    "/ocop/",
    "/communes/{commune}/",
    "/villages/{village}/",
    "/s/{serial}",
    "/ocop/{product}/",
]


def test_public_pages_hold_no_personal_data(world, client):
    a = world.a
    for pattern in PUBLIC_URLS:
        url = pattern.format(
            commune=a.commune.code, village=a.village.code, serial=a.stamp.serial,
            product=a.product.pk,
        )  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in (ID_A, PHONE_A, SECRET_NAME_A, "1980-05-17", "17/05/1980", "21.355123"):
            assert secret not in body, f"{secret} on public page {url}"


def test_full_id_export_is_audited(world, client):
    official = world.personas["official_a"]
    client.force_login(official)
    response = client.post(
        reverse("admin:households_resident_changelist"),
        {"action": "export_full_ids", "_selected_action": [world.a.resident.pk]},
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    audit = ExportAudit.objects.filter(full_ids=True).latest("at")
    assert audit.user == official and audit.rows == 1 and audit.commune == world.a.commune
    assert "1" in audit.description  # what: "1 selected residents"


def test_retention_anonymises_residents_gone_for_years(world, settings):
    settings.PERSONAL_DATA_RETENTION_YEARS = 5
    resident = world.a.resident
    household = resident.household
    long_gone = Resident(
        household=household, full_name="Người Đã Chuyển", birth_date=dt.date(1950, 7, 9),
        sex="M", relation="parent", phone="0987000111", status="moved",
        status_changed_on=dt.date.today() - dt.timedelta(days=365 * 6),
    )  # fmt: skip
    long_gone.set_id_number("022050111222")
    long_gone.save()
    recent = Resident(
        household=household, full_name="Người Mới Mất", birth_date=dt.date(1940, 1, 2),
        sex="F", relation="parent", status="deceased",
        status_changed_on=dt.date.today() - dt.timedelta(days=365),
    )  # fmt: skip
    recent.save()
    # Dry run by default: nothing written.
    out = io.StringIO()
    call_command("purge_personal_data", stdout=out)
    assert "dry run: 1 " in out.getvalue()
    assert Resident.objects.get(pk=long_gone.pk).full_name == "Người Đã Chuyển"
    call_command("purge_personal_data", "--apply", stdout=io.StringIO())
    gone = Resident.objects.get(pk=long_gone.pk)
    assert gone.full_name == anonymised_name() == "Cư dân đã ẩn danh"
    assert gone.id_number_encrypted == gone.id_number_masked == "" and gone.id_number_digest is None
    assert gone.phone == "" and gone.birth_date == dt.date(1950, 1, 1)
    history = Resident.history.filter(id=gone.pk)
    assert history.exists() and not history.exclude(full_name=anonymised_name()).exists()
    assert not history.exclude(id_number_masked="").exists()
    # Others untouched; running again does nothing.
    assert Resident.objects.get(pk=recent.pk).full_name == "Người Mới Mất"
    assert Resident.objects.get(pk=resident.pk).get_id_number() == ID_A
    assert residents_due().count() == 0 and anonymise(residents_due()) == 0
    assert Household.objects.filter(pk=household.pk).exists()


def test_status_change_in_the_form_dates_the_retention(world, client):
    client.force_login(world.personas["leader_a1"])
    resident = Resident.objects.create(
        household=world.a.household, full_name="Con", birth_date=dt.date(2000, 1, 1), sex="M",
        relation="child",
    )  # fmt: skip
    response = client.post(
        reverse("households:resident_update", args=[resident.pk]),
        {"full_name": "Con", "birth_date": "2000-01-01", "sex": "M", "relation": "child",
         "status": "moved", "vneid_level": "0", "version": resident.version},
    )  # fmt: skip
    assert response.status_code == 302
    assert Resident.objects.get(pk=resident.pk).status_changed_on == dt.date.today()


def test_encryption_key_rotation_and_wrong_key(world, settings):
    resident = Resident.objects.get(pk=world.a.resident.pk)
    old = settings.FIELD_ENCRYPTION_KEY or settings.SECRET_KEY
    settings.FIELD_ENCRYPTION_KEY = f"a-brand-new-key,{old}"
    assert Resident.objects.get(pk=resident.pk).get_id_number() == ID_A  # old rows readable
    assert Resident.objects.with_id_number(ID_A).get() == resident  # digests still match
    fresh = crypto.encrypt(ID_A)
    settings.FIELD_ENCRYPTION_KEY = "a-brand-new-key"
    assert crypto.decrypt(fresh) == ID_A  # new values use the first key
    settings.FIELD_ENCRYPTION_KEY = "somebody-elses-key"
    with pytest.raises(crypto.WrongKeyError) as exc:
        resident.get_id_number()
    assert ID_A not in str(exc.value) and resident.id_number_encrypted not in str(exc.value)
