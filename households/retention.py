"""Retention of personal data of residents who moved away or died (docs/security.md).

Rule: PERSONAL_DATA_RETENTION_YEARS (default 5) years after a resident's status became "moved
away" or "deceased" (status_changed_on; when unknown, the last change of the record), the
personal fields are anonymised: name replaced, ID numbers (encrypted, digest, masked, tail),
phone removed, birth date reduced to 1 January of the birth year. The row stays (household
composition and past statistics keep their counts); its history rows are anonymised too.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone, translation
from django.utils.translation import gettext

from core import dataversion
from core.dates import years_before
from core.text import fold

from .models import Resident

DEFAULT_YEARS = 5


def retention_years() -> int:
    return int(getattr(settings, "PERSONAL_DATA_RETENTION_YEARS", DEFAULT_YEARS))


def anonymised_name() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Anonymised resident")


def residents_due(*, today: dt.date | None = None, years: int | None = None):
    """Residents gone (moved / deceased) for longer than the retention period, not yet done."""
    today = today or timezone.localdate()
    cut = years_before(today, retention_years() if years is None else years)
    name = anonymised_name()
    return (
        Resident.objects.exclude(status=Resident.Status.PRESENT)
        .annotate(since=Coalesce("status_changed_on", TruncDate("updated_at")))
        .filter(since__lte=cut)
        .exclude(
            Q(full_name=name) & Q(id_number_encrypted="") & Q(legacy_id_encrypted="") & Q(phone="")
        )
    )


def anonymise(residents) -> int:
    """Anonymise these residents and their history rows, in one transaction."""
    name = anonymised_name()
    done = 0
    villages = set()
    with transaction.atomic():
        for resident in residents.select_related("household__village").select_for_update(
            of=("self",)
        ):
            villages.add(resident.household.village)
            birth = dt.date(resident.birth_date.year, 1, 1)
            fields = {
                "full_name": name,
                "search_key": fold(name),  # the folded old name would still find them
                "id_number_encrypted": "",
                "id_number_digest": None,
                "id_number_masked": "",
                "id_number_tail": "",
                "legacy_id_encrypted": "",
                "legacy_id_masked": "",
                "phone": "",
                "birth_date": birth,
            }
            # A queryset UPDATE: no new history row carrying the old values is written.
            Resident.objects.filter(pk=resident.pk).update(**fields)
            history = {k: v for k, v in fields.items() if k not in _NOT_IN_HISTORY}
            Resident.history.filter(id=resident.pk).update(**history)
            done += 1
        # Queryset UPDATEs send no signal: the villages' cached parts move on (core.dataversion).
        dataversion.bump(
            communes={v.commune_id for v in villages}, villages={v.pk for v in villages}
        )
    return done


_NOT_IN_HISTORY = {"id_number_encrypted", "legacy_id_encrypted", "id_number_digest", "search_key"}
