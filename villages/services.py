"""Loading the official list of communes (vietnam-provinces, 2025 two-level structure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from .models import Commune, Village


@dataclass
class LoadResult:
    created: int
    updated: int
    unchanged: int


def _official_communes(province_code: str | None):
    from vietnam_provinces import Province, Ward

    provinces = {p.code.value: p.name for p in Province.iter_all()}
    for ward in Ward.iter_all():
        pcode = ward.province_code.value
        if province_code is not None and pcode != int(province_code):
            continue
        yield {
            "code": f"{ward.code.value:05d}",
            "name": ward.name,
            "division_type": ward.division_type.value,
            "province_code": f"{pcode:02d}",
            "province_name": provinces[pcode],
        }


def communes_load(*, province_code: str | None = None) -> LoadResult:
    """Create or update communes from the official list; a re-run never duplicates."""
    rows = list(_official_communes(province_code))
    existing = {c.code: c for c in Commune.objects.filter(code__in=[r["code"] for r in rows])}
    to_create, to_update = [], []
    fields = ["name", "division_type", "province_code", "province_name"]
    for row in rows:
        commune = existing.get(row["code"])
        if commune is None:
            to_create.append(Commune(**row))
        elif any(getattr(commune, f) != row[f] for f in fields):
            for f in fields:
                setattr(commune, f, row[f])
            to_update.append(commune)
    with transaction.atomic():
        Commune.objects.bulk_create(to_create, batch_size=500, ignore_conflicts=True)
        Commune.objects.bulk_update(to_update, fields, batch_size=500)
    return LoadResult(len(to_create), len(to_update), len(rows) - len(to_create) - len(to_update))


# --- Team accounts (docs/security.md, finding 5) --------------------------------------------


def team_accounts_deactivate(*, memberships) -> int:
    """The one rule for ending a team member's access, used by the admin's membership action
    and by "deactivate" on the team roster: the accounts behind these memberships that are
    digital-team accounts (leader or member; never staff, officials or superusers) are
    deactivated (no field access, no new login) and every session they have is ended.
    Returns the number of accounts deactivated."""
    from django.contrib.auth import get_user_model

    from core.sessions import accounts_logout_everywhere

    from .models import Membership

    team = memberships.filter(role__in=[Membership.Role.LEADER, Membership.Role.MEMBER])
    user_ids = list(
        get_user_model()
        .objects.filter(memberships__in=team, is_superuser=False, is_staff=False)
        .values_list("pk", flat=True)
        .distinct()
    )
    with transaction.atomic():
        count = get_user_model().objects.filter(pk__in=user_ids).update(is_active=False)
        accounts_logout_everywhere(user_ids=user_ids)
    return count


# --- Administrative changes (issue 17 item 6) -----------------------------------------------
# A village moving to another commune, communes merged into one. Records keep the commune they
# were made for (a roll-up snapshot, a monthly report carries its commune), so history shows
# under the unit of its day; these services move the village itself, write its affiliation
# history and the predecessors, in one transaction, and refuse what would mix two communes'
# days (villages.history: nothing dated on or after the change may stay under the old commune).


@dataclass
class VillageMovePlan:
    """What a move does, shown as the preview before it is confirmed."""

    village: Village
    from_commune: Commune
    to_commune: Commune
    number: int
    old_code: str
    new_code: str
    households: int = 0
    team_roles: int = 0

    @property
    def moves(self) -> list[VillageMovePlan]:
        return [self]  # the preview lists a merger's moves and a single move alike


@dataclass
class MergePlan:
    successor: Commune
    predecessors: list[Commune]
    moves: list[VillageMovePlan]
    until: dt.date


def _fmt(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _check_day(*, on_date: dt.date | None, today: dt.date) -> None:
    if on_date is None:
        raise ValidationError(_("Enter the date the change takes effect."))
    if on_date > today:
        raise ValidationError(
            _(
                "The change takes effect in the future (%(day)s): record it on or after that "
                "day, the village still belongs to its commune until then."
            )
            % {"day": _fmt(on_date)}
        )


def _check_after_records(
    *, on_date: dt.date, village_ids: list[int], commune_ids: list[int], what: str
) -> None:
    from .history import last_dated_record

    last = last_dated_record(village_ids=village_ids, commune_ids=commune_ids)
    if last is not None and on_date <= last.day:
        raise ValidationError(
            _(
                "The date must be after the last record of %(what)s under its current commune "
                "(%(record)s): otherwise that record would show under a commune it had already "
                "left. Check the date of the decision."
            )
            % {"what": what, "record": last.label}
        )


def _check_after_last_change(*, village: Village, on_date: dt.date) -> None:
    last = village.affiliations.filter(valid_until__isnull=True).values_list(
        "valid_from", flat=True
    )
    start = next(iter(last), None)
    if start is not None and on_date <= start:
        raise ValidationError(
            _("%(village)s joined its commune on %(day)s: the new date must be after that.")
            % {"village": village.name, "day": _fmt(start)}
        )


def _merged_into(commune: Commune):
    from .models import CommunePredecessor

    return (
        CommunePredecessor.objects.filter(predecessor=commune).select_related("successor").first()
    )


def _free_numbers(commune: Commune, *, leaving: set[int] = frozenset()) -> set[int]:
    taken = set(
        Village.objects.filter(commune=commune)
        .exclude(pk__in=leaving)
        .values_list("number", flat=True)
    )
    return set(range(1, 100)) - taken


def village_move_plan(
    *,
    village: Village,
    to_commune: Commune,
    on_date: dt.date | None,
    decision: str,
    number: int | None = None,
    today: dt.date | None = None,
) -> VillageMovePlan:
    """Check a move and say what it will do (nothing is written). ValidationError with a
    message for people when it is refused."""
    from django.utils import timezone

    today = today or timezone.localdate()
    if to_commune.pk == village.commune_id:
        raise ValidationError(
            _("%(village)s already belongs to %(commune)s: choose another commune.")
            % {"village": village.name, "commune": to_commune.name}
        )
    if to_commune.province_code != village.commune.province_code:
        raise ValidationError(
            _("A village moves within its province only (%(province)s).")
            % {"province": village.commune.province_name}
        )
    merged = _merged_into(to_commune)
    if merged is not None:
        raise ValidationError(
            _("%(commune)s has been merged into %(successor)s: choose %(successor)s.")
            % {"commune": to_commune.name, "successor": merged.successor.name}
        )
    if not (decision or "").strip():
        raise ValidationError(_("Enter the number of the decision making the change."))
    _check_day(on_date=on_date, today=today)
    _check_after_last_change(village=village, on_date=on_date)
    _check_after_records(
        on_date=on_date, village_ids=[village.pk], commune_ids=[], what=village.name
    )
    free = _free_numbers(to_commune)
    if number is None:
        number = village.number if village.number in free else min(free, default=None)
        if number is None:
            raise ValidationError(
                _("%(commune)s has no free village number left (1-99).")
                % {"commune": to_commune.name}
            )
    elif number not in free:
        raise ValidationError(
            _("%(commune)s already has a village number %(number)d: choose another number.")
            % {"commune": to_commune.name, "number": number}
        )
    return VillageMovePlan(
        village=village,
        from_commune=village.commune,
        to_commune=to_commune,
        number=number,
        old_code=village.code,
        new_code=Village.make_code(to_commune.code, number),
        households=village.households.count(),
        team_roles=village.memberships.count(),
    )


def _apply_move(plan: VillageMovePlan, *, on_date: dt.date, decision: str, user) -> None:
    from .models import Membership, VillageAffiliation

    village = plan.village
    until = on_date - dt.timedelta(days=1)
    current = VillageAffiliation.objects.filter(village=village, valid_until__isnull=True)
    if not current.update(valid_until=until):
        VillageAffiliation.objects.create(
            village=village,
            commune=plan.from_commune,
            code=plan.old_code,
            number=village.number,
            name=village.name,
            valid_from=None,
            valid_until=until,
            recorded_by=user,
        )
    village.commune = plan.to_commune
    village.number = plan.number
    village.save()
    VillageAffiliation.objects.create(
        village=village,
        commune=plan.to_commune,
        code=village.code,
        number=village.number,
        name=village.name,
        valid_from=on_date,
        decision=decision.strip(),
        recorded_by=user,
    )
    # A team's roles follow their village (Membership names its commune too).
    Membership.objects.filter(village=village).update(commune=plan.to_commune)


def _bump(commune_ids) -> None:
    # save(), not update(): the commune's post_save moves the cached pages' versions too.
    for commune in Commune.objects.filter(pk__in=set(commune_ids)):
        commune.unit_changes = F("unit_changes") + 1
        commune.save(update_fields=["unit_changes"])


def village_move(
    *,
    village: Village,
    to_commune: Commune,
    on_date: dt.date | None,
    decision: str,
    number: int | None = None,
    user=None,
    today: dt.date | None = None,
) -> VillageMovePlan:
    """Move a village to another commune of its province from `on_date`: its records before
    stay under the old commune, its households, team and later records go with it. One
    transaction; checked again under a row lock (a concurrent change is seen)."""
    with transaction.atomic():
        locked = Village.objects.select_for_update().select_related("commune").get(pk=village.pk)
        plan = village_move_plan(
            village=locked,
            to_commune=to_commune,
            on_date=on_date,
            decision=decision,
            number=number,
            today=today,
        )
        _apply_move(plan, on_date=on_date, decision=decision, user=user)
        _bump([plan.from_commune.pk, plan.to_commune.pk])
    village.refresh_from_db()
    return plan


def communes_merge_plan(
    *,
    successor: Commune,
    predecessors,
    on_date: dt.date | None,
    decision: str,
    today: dt.date | None = None,
) -> MergePlan:
    """Check a merger of `predecessors` into `successor` and say what it does (no write)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    predecessors = sorted({c.pk: c for c in predecessors}.values(), key=lambda c: c.code)
    if not predecessors:
        raise ValidationError(_("Choose the communes that are merged."))
    if any(c.pk == successor.pk for c in predecessors):
        raise ValidationError(
            _("%(commune)s is the commune after the merger: it cannot also be merged into itself.")
            % {"commune": successor.name}
        )
    for commune in [successor, *predecessors]:
        merged = _merged_into(commune)
        if merged is not None:
            raise ValidationError(
                _("%(commune)s has already been merged into %(successor)s.")
                % {"commune": commune.name, "successor": merged.successor.name}
            )
        if commune.province_code != successor.province_code:
            raise ValidationError(
                _("Communes are merged within one province: %(commune)s is in %(province)s.")
                % {"commune": commune.name, "province": commune.province_name}
            )
    if not (decision or "").strip():
        raise ValidationError(_("Enter the number of the decision making the change."))
    _check_day(on_date=on_date, today=today)
    villages = list(
        Village.objects.filter(commune__in=predecessors)
        .select_related("commune")
        .order_by("commune__code", "number")
    )
    for village in villages:
        _check_after_last_change(village=village, on_date=on_date)
    for commune in predecessors:
        _check_after_records(
            on_date=on_date,
            village_ids=[v.pk for v in villages if v.commune_id == commune.pk],
            commune_ids=[commune.pk],
            what=commune.name,
        )
    # Villages keep their number when it is free in the successor, else take the lowest free.
    free = _free_numbers(successor)
    numbers: dict[int, int] = {}
    for village in villages:
        if village.number in free:
            numbers[village.pk] = village.number
            free.discard(village.number)
    moves = []
    for village in villages:
        number = numbers.get(village.pk)
        if number is None:
            if not free:
                raise ValidationError(
                    _("%(commune)s has no free village number left (1-99).")
                    % {"commune": successor.name}
                )
            number = min(free)
            free.discard(number)
        moves.append(
            VillageMovePlan(
                village=village,
                from_commune=village.commune,
                to_commune=successor,
                number=number,
                old_code=village.code,
                new_code=Village.make_code(successor.code, number),
                households=village.households.count(),
                team_roles=village.memberships.count(),
            )
        )
    return MergePlan(
        successor=successor,
        predecessors=predecessors,
        moves=moves,
        until=on_date - dt.timedelta(days=1),
    )


def communes_merge(
    *,
    successor: Commune,
    predecessors,
    on_date: dt.date | None,
    decision: str,
    user=None,
    today: dt.date | None = None,
) -> MergePlan:
    """Merge communes into `successor` from `on_date`: every village of theirs moves (history
    written as for a move) and each is recorded as a predecessor (code, name, last day,
    decision). Their own rows stay, with their records and officials, as history. One
    transaction."""
    from .models import CommunePredecessor

    with transaction.atomic():
        ids = sorted({successor.pk, *(c.pk for c in predecessors)})
        locked = {c.pk: c for c in Commune.objects.select_for_update().filter(pk__in=ids)}
        plan = communes_merge_plan(
            successor=locked[successor.pk],
            predecessors=[locked[c.pk] for c in predecessors],
            on_date=on_date,
            decision=decision,
            today=today,
        )
        for move in plan.moves:
            _apply_move(move, on_date=on_date, decision=decision, user=user)
        for commune in plan.predecessors:
            CommunePredecessor.objects.create(
                successor=plan.successor,
                predecessor=commune,
                code=commune.code,
                name=commune.name,
                until=plan.until,
                decision=decision.strip(),
                recorded_by=user,
            )
        _bump(ids)
    return plan
