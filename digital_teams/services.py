"""Writes that span rows: recording support work (and the registry changes it made), undoing
it, and assigning follow-up households."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import dataversion
from core.access import scope_for
from households.models import Household, Resident
from households.services import versioned_save

from .models import (
    OUTCOME_EFFECTS,
    AssistedChange,
    DigitalTeam,
    FollowUpAssignment,
    FollowUpTopic,
    Outcome,
    SupportActivity,
    TeamMember,
    decode_value,
    encode_value,
)

ResidentKey = Resident | int


def _pk(obj) -> int:
    return obj if isinstance(obj, int) else obj.pk


def _save_resident(resident: Resident, fields: list[str], *, user, reason: str) -> None:
    """Save registry fields with a history row (who, why) by the registry's one version rule
    (households.services.versioned_save: a field form opened before is then refused)."""
    resident._change_reason = reason
    versioned_save(resident, expected_version=resident.version, user=user, update_fields=fields)


@transaction.atomic
def support_activity_record(
    *,
    team: DigitalTeam,
    user,
    date: datetime.date,
    kind: str,
    topics: Iterable[str] = (),
    residents: Iterable[ResidentKey] = (),
    outcomes: Mapping[ResidentKey, Iterable[str]] | None = None,
    members: Iterable[TeamMember] | None = None,
    participants: int = 0,
    notes: str = "",
    at: datetime.datetime | None = None,
) -> SupportActivity:
    """Record an activity; each outcome changes the resident in the registry, marked assisted.

    `outcomes` maps a resident to the outcomes reached (Outcome values). An outcome the resident
    already had is not a change and is not recorded as assisted. Everything happens in one
    transaction, with the residents' rows locked while they change.
    """
    scope = scope_for(user)
    if not scope.may_write_village(team.village):
        raise PermissionDenied
    if date > timezone.localdate():
        raise ValidationError({"date": _("The date cannot be in the future.")})
    outcomes = {_pk(k): [Outcome(o).value for o in v] for k, v in (outcomes or {}).items()}
    resident_ids = {_pk(r) for r in residents} | set(outcomes)
    # Lock the rows we may change: a concurrent edit waits instead of being overwritten.
    locked = {
        r.pk: r
        for r in Resident.objects.select_for_update().filter(
            pk__in=resident_ids, household__village_id=team.village_id
        )
    }
    if set(locked) != resident_ids:
        raise ValidationError(_("A resident does not belong to this team's village."))
    if any(locked[pk].status != Resident.Status.PRESENT for pk in outcomes if outcomes[pk]):
        raise ValidationError(_("Outcomes can only be recorded for residents living here."))

    topic_codes = set(topics)
    for chosen in outcomes.values():
        topic_codes.update(OUTCOME_EFFECTS[o][2] for o in chosen)
    activity = SupportActivity(
        team=team,
        date=date,
        kind=kind,
        participants=participants,
        notes=notes,
        recorded_by=user if user.is_authenticated else None,
    )
    activity.set_topics(topic_codes)
    activity.full_clean(exclude=["members", "residents"])
    activity.save()
    if members is None:
        members = list(team.members.active(on=date).filter(user=user)[:1])
    members = list(members)
    if any(m.team_id != team.pk for m in members):
        raise ValidationError(_("A member does not belong to this team."))
    activity.members.set(members)
    activity.residents.set(resident_ids)

    at = at or timezone.now()
    reason = _("Assisted by the digital team (activity #%(id)s)") % {"id": activity.pk}
    changes = []
    for pk, chosen in sorted(outcomes.items()):
        resident = locked[pk]
        changed_fields = []
        for outcome in chosen:
            name, value, _topic = OUTCOME_EFFECTS[outcome]
            old = getattr(resident, name)
            # Never downgrade (level 1 installed on someone already at level 2 changes nothing).
            if old == value or (name == "vneid_level" and old > value):
                continue
            if name in changed_fields:
                continue
            setattr(resident, name, value)
            changed_fields.append(name)
            changes.append(
                AssistedChange(
                    activity=activity,
                    resident=resident,
                    field=name,
                    old_value=encode_value(old),
                    new_value=encode_value(value),
                    changed_by=activity.recorded_by,
                    changed_at=at,
                )
            )
        if changed_fields:
            _save_resident(resident, changed_fields, user=activity.recorded_by, reason=reason)
    AssistedChange.objects.bulk_create(changes)
    # bulk_create sends no signal: the team dashboard's figures move on (core.dataversion).
    village = activity.team.village
    dataversion.bump(communes=[village.commune_id], villages=[village.pk])
    return activity


@dataclass
class UndoResult:
    restored: list[AssistedChange] = field(default_factory=list)
    kept: list[AssistedChange] = field(default_factory=list)  # changed by someone since


def may_undo(activity: SupportActivity, user) -> bool:
    return activity.recorded_by_id == user.pk or scope_for(user).may_manage_village(
        activity.team.village
    )


@transaction.atomic
def support_activity_undo(*, activity: SupportActivity, user) -> UndoResult:
    """Delete the activity and put back what it changed in the registry.

    A field is restored only if it still holds the value the activity set; if someone changed it
    since, it is left alone and reported in `UndoResult.kept`.
    """
    if not may_undo(activity, user):
        raise PermissionDenied
    activity = SupportActivity.objects.select_for_update().get(pk=activity.pk)
    changes = list(activity.changes.select_related("resident").order_by("resident_id", "id"))
    locked = {
        r.pk: r
        for r in Resident.objects.select_for_update().filter(
            pk__in={c.resident_id for c in changes}
        )
    }
    result = UndoResult()
    to_save: dict[int, list[str]] = {}
    for change in changes:
        resident = locked[change.resident_id]
        change.resident = resident
        current = getattr(resident, change.field)
        if current == decode_value(change.field, change.new_value):
            setattr(resident, change.field, decode_value(change.field, change.old_value))
            to_save.setdefault(resident.pk, []).append(change.field)
            result.restored.append(change)
        else:
            result.kept.append(change)
    reason = _("Undo of digital team activity #%(id)s") % {"id": activity.pk}
    for pk, fields in to_save.items():
        _save_resident(locked[pk], fields, user=user, reason=reason)
    activity.delete()
    return result


@transaction.atomic
def followup_assign(
    *,
    households: Iterable[Household],
    member: TeamMember | None,
    topic: str,
    user,
) -> int:
    """Give households to a member for a topic (None = remove the assignment)."""
    topic = FollowUpTopic(topic).value
    households = list(households)
    villages = {h.village_id for h in households}
    if member is not None and villages - {member.team.village_id}:
        raise ValidationError(_("The households must be in the member's village."))
    for village in {h.village for h in households}:
        if not scope_for(user).may_manage_village(village):
            raise PermissionDenied
    if member is None:
        deleted, _detail = FollowUpAssignment.objects.filter(
            household__in=households, topic=topic
        ).delete()
        return deleted
    now = timezone.now()
    for household in households:
        FollowUpAssignment.objects.update_or_create(
            household=household,
            topic=topic,
            defaults={"member": member, "assigned_by": user, "assigned_at": now},
        )
    return len(households)
