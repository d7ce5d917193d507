"""Read-side queries: follow-up lists (who still misses a step) and the team dashboard."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.dates import month_start
from households.models import Household, Resident
from households.populations import STEPS, Step

from .models import (
    ASSISTED_FIELDS,
    AssistedChange,
    DigitalTeam,
    FollowUpAssignment,
    FollowUpTopic,
    SupportActivity,
    TeamMember,
    Topic,
)


@dataclass(frozen=True)
class TopicRule:
    """A resident follow-up topic: its step (who is eligible, what counts as done; defined once
    in households.populations, shared with the indicators) and the assisted fields."""

    step: Step
    assisted_fields: tuple[str, ...]

    @property
    def done(self) -> Q:
        return self.step.done_q()


ASSISTED = {
    FollowUpTopic.VNEID_LEVEL2: ("vneid_level",),
    FollowUpTopic.EPAYMENT: ("has_epayment",),
    FollowUpTopic.SMARTPHONE: (),
    FollowUpTopic.DOCUMENTS: ("doc_health_insurance",),
}
RESIDENT_RULES: dict[str, TopicRule] = {
    topic: TopicRule(STEPS[topic.value], fields) for topic, fields in ASSISTED.items()
}


def eligible_residents(village, topic: str, on: datetime.date | None = None):
    """Residents living in `village` who are old enough for `topic` on `on` (today)."""
    return RESIDENT_RULES[topic].step.eligible(
        on, Resident.objects.filter(household__village=village)
    )


def missing_residents(village, topic: str, on: datetime.date | None = None):
    """Eligible residents who have not completed the step yet."""
    return eligible_residents(village, topic, on).exclude(RESIDENT_RULES[topic].done)


def households_without_address(village):
    return Household.objects.filter(village=village, digital_address__isnull=True)


@dataclass
class FollowUpRow:
    household: Household
    residents: list = field(default_factory=list)
    assignment: FollowUpAssignment | None = None


def followup_rows(
    village,
    topic: str,
    *,
    on: datetime.date | None = None,
    member: TeamMember | None = None,
    q: str = "",
) -> list[FollowUpRow]:
    """Households of `village` with someone still missing `topic`, each with those residents.

    A fixed number of queries whatever the number of households (3). With `member`, only the
    households assigned to that member for the topic; with `q`, only the households a search
    finds (a resident's name, accents ignored; a household number; ID digits).
    """
    topic = FollowUpTopic(topic).value
    found = Household.objects.filter(village=village).search(q).values("pk") if q else None
    if topic == FollowUpTopic.DIGITAL_ADDRESS:
        households = households_without_address(village)
        if found is not None:
            households = households.filter(pk__in=found)
        if member is not None:
            households = households.filter(
                followup_assignments__member=member, followup_assignments__topic=topic
            )
        present = Resident.objects.filter(status=Resident.Status.PRESENT).order_by(
            "-relation", "birth_date"
        )
        households = households.prefetch_related(
            Prefetch("residents", queryset=present, to_attr="present_residents")
        ).order_by("number_sort", "number")
        rows = [FollowUpRow(h, list(h.present_residents)) for h in households]
    else:
        residents = missing_residents(village, topic, on).select_related("household")
        if found is not None:
            residents = residents.filter(household__in=found)
        if member is not None:
            residents = residents.filter(
                household__followup_assignments__member=member,
                household__followup_assignments__topic=topic,
            )
        residents = residents.order_by(
            "household__number_sort", "household__number", "household_id", "birth_date"
        )
        rows, by_pk = [], {}
        for resident in residents:
            row = by_pk.get(resident.household_id)
            if row is None:
                row = by_pk[resident.household_id] = FollowUpRow(resident.household)
                rows.append(row)
            row.residents.append(resident)
    if rows:
        assignments = FollowUpAssignment.objects.filter(
            topic=topic, household__in=[r.household.pk for r in rows]
        ).select_related("member")
        by_household = {a.household_id: a for a in assignments}
        for row in rows:
            row.assignment = by_household.get(row.household.pk)
    return rows


def member_for_user(team: DigitalTeam | None, user) -> TeamMember | None:
    """The active team member linked to this account, if any."""
    if team is None or not user.is_authenticated:
        return None
    return team.members.active().filter(user=user).first()


# --- Dashboard --------------------------------------------------------------------------------

FIELD_LABELS = dict(ASSISTED_FIELDS)


def _share(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def team_dashboard(team: DigitalTeam, *, on: datetime.date | None = None) -> dict:
    """Figures for the team dashboard, with a fixed number of aggregate queries."""
    on = on or timezone.localdate()
    village = team.village
    activities = SupportActivity.objects.filter(team=team)
    changes = AssistedChange.objects.filter(activity__team=team)

    start = month_start(on, -12)
    per_month = list(
        activities.filter(date__gte=start)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(n=Count("id"), people=Count("residents", distinct=True))
        .order_by("month")
    )
    top = max((m["n"] for m in per_month), default=0)
    for m in per_month:
        m["pct"] = _share(m["n"], top)

    topic_counts = activities.aggregate(
        **{t.value: Count("id", filter=Q(**{f"topic_{t.value}": True})) for t in Topic}
    )
    helped = dict(
        changes.values("field")
        .annotate(n=Count("resident", distinct=True))
        .values_list("field", "n")
    )
    per_topic = [
        {"label": t.label, "activities": topic_counts[t.value]}
        for t in Topic
        if topic_counts[t.value]
    ]
    per_field = [
        {"label": label, "residents": helped.get(name, 0)} for name, label in ASSISTED_FIELDS
    ]

    members = list(
        team.members.annotate(
            n_activities=Count("activities", distinct=True),
            n_residents=Count("activities__residents", distinct=True),
        ).order_by("role", "full_name")
    )
    outcomes_by_user = dict(
        changes.values("changed_by").annotate(n=Count("id")).values_list("changed_by", "n")
    )
    for m in members:
        m.n_outcomes = outcomes_by_user.get(m.user_id, 0) if m.user_id else 0

    # Village progress on each follow-up topic: current share, and how much the team assisted.
    progress = []
    assisted_since = dict(
        changes.filter(activity__date__gte=team.founded_on)
        .values("field")
        .annotate(n=Count("resident", distinct=True))
        .values_list("field", "n")
    )
    aggregates = {}
    for topic, rule in RESIDENT_RULES.items():
        eligible = rule.step.population.q(on)
        aggregates[f"{topic}_total"] = Count("id", filter=eligible)
        aggregates[f"{topic}_done"] = Count("id", filter=eligible & rule.done)
    figures = Resident.objects.filter(household__village=village).aggregate(**aggregates)
    for topic, rule in RESIDENT_RULES.items():
        total, done = figures[f"{topic}_total"], figures[f"{topic}_done"]
        assisted = sum(assisted_since.get(f, 0) for f in rule.assisted_fields)
        progress.append(_progress_row(FollowUpTopic(topic).label, done, total, assisted))
    households = Household.objects.filter(village=village).aggregate(
        total=Count("id"), done=Count("id", filter=Q(digital_address__isnull=False))
    )
    progress.append(
        _progress_row(
            FollowUpTopic.DIGITAL_ADDRESS.label, households["done"], households["total"], None
        )
    )
    return {
        "per_month": per_month,
        "per_topic": per_topic,
        "per_field": per_field,
        "members": members,
        "progress": progress,
        "n_activities": activities.count(),
        "n_changes": changes.count(),
    }


def _progress_row(label, done: int, total: int, assisted: int | None) -> dict:
    before = None if assisted is None else max(done - assisted, 0)
    return {
        "label": label,
        "done": done,
        "total": total,
        "pct": _share(done, total),
        "assisted": assisted,
        "pct_before": None if before is None else _share(before, total),
        "pct_assisted": None if before is None else _share(done, total) - _share(before, total),
    }
