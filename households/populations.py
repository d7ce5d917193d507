"""Who counts: the one definition of each population of residents and of each resident step.

A population is "residents whose status is present and who are N or older on date D" (ages in
full years, `core.dates.years_before`). A step is one thing a resident of a population should
have done (VNeID level 2, an e-payment account, ...). The criteria indicators, the digital
teams' follow-up lists, the household list's filters and badges, the village map and the
payments page's adults share all read these objects, so one team never sees two different
sets for the same question (DOMAIN.md: adult = 18+, VNeID eligibility = 14+).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.dates import years_before

ADULT_AGE = 18
VNEID_AGE = 14
PRESENT = "present"  # Resident.Status.PRESENT (a plain value: no import cycle with models)


@dataclass(frozen=True)
class Population:
    """Residents living here (status present) aged `min_age` or more on a date."""

    key: str
    min_age: int
    label: str | Promise

    def born_on_or_before(self, on: dt.date | None = None) -> dt.date:
        return years_before(on or timezone.localdate(), self.min_age)

    def q(self, on: dt.date | None = None, *, prefix: str = "") -> Q:
        """The condition on residents; `prefix` reaches them from another model
        (`"residents__"` from a household)."""
        return Q(
            **{
                f"{prefix}status": PRESENT,
                f"{prefix}birth_date__lte": self.born_on_or_before(on),
            }
        )

    def residents(self, on: dt.date | None = None, queryset: QuerySet | None = None) -> QuerySet:
        """The residents of this population (all residents, or within `queryset`)."""
        if queryset is None:
            from .models import Resident

            queryset = Resident.objects.all()
        return queryset.filter(self.q(on))


ADULTS = Population("adults", ADULT_AGE, _("residents living here aged 18 or more"))
RESIDENTS_14 = Population("residents_14", VNEID_AGE, _("residents living here aged 14 or more"))


@dataclass(frozen=True)
class Step:
    """One step residents of `population` should have taken; `done` are field lookups.

    `key` is also the topic of the digital teams' follow-up list (FollowUpTopic) and of the
    indicator's "follow-up" link; `missing_label` names the household list's filter.
    """

    key: str
    population: Population
    done: dict[str, Any]
    missing_label: str | Promise

    def done_q(self, *, prefix: str = "") -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in self.done.items()})

    def eligible(self, on: dt.date | None = None, queryset: QuerySet | None = None) -> QuerySet:
        return self.population.residents(on, queryset)

    def missing(self, on: dt.date | None = None, queryset: QuerySet | None = None) -> QuerySet:
        """Residents of the population who have not taken the step yet."""
        return self.eligible(on, queryset).exclude(self.done_q())


VNEID_LEVEL2 = Step(
    "vneid2", RESIDENTS_14, {"vneid_level": 2}, _("Residents 14+ without VNeID level 2")
)
EPAYMENT = Step("epayment", ADULTS, {"has_epayment": True}, _("Adults without e-payment"))
SMARTPHONE = Step("smartphone", ADULTS, {"has_smartphone": True}, _("Adults without a smartphone"))
HEALTH_INSURANCE_IN_VNEID = Step(
    "documents",
    RESIDENTS_14,
    {"doc_health_insurance": True},
    _("Residents 14+ without health insurance in VNeID"),
)

ONLINE_SERVICES = Step(
    "online_services",
    ADULTS,
    {"uses_online_services": True},
    _("Adults not using online public services"),
)

STEPS: dict[str, Step] = {
    step.key: step for step in (VNEID_LEVEL2, EPAYMENT, SMARTPHONE, HEALTH_INSURANCE_IN_VNEID)
}
