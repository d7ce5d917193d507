"""Writes that need more than a ModelForm: optimistic locking, heads of household, ID numbers."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import ratelimit
from core.access import scope_for
from core.text import ascii_digits, fold, normalise

from . import crypto
from .models import DigitalAddress, Household, Resident


class StaleEditError(Exception):
    """Someone else saved the record after this form was opened (optimistic locking)."""

    def __init__(self, *, current: models.Model | None, yours: int):
        super().__init__("stale edit")
        self.current = current
        self.yours = yours

    @property
    def current_version(self) -> int | None:
        return getattr(self.current, "version", None)


def versioned_save(
    instance: models.Model,
    *,
    expected_version: int,
    user=None,
    update_fields: list[str] | None = None,
) -> None:
    """THE version rule (docs/decisions.md, "Saving a resident"): save `instance` only if the
    row still has `expected_version`, and move the version on by one. Every save of an existing
    household, resident or digital address goes through here: field portal, admin, importer,
    offline replays (core.merge saves its merged record through the same services) and
    digital_teams' assisted changes.

    The UPDATE ... WHERE version = v is atomic on every database: of two concurrent saves that
    carry the same version exactly one matches a row; the other gets StaleEditError. The save()
    that follows records the change in the history with its author.
    """
    model = type(instance)
    updated = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        version=expected_version + 1
    )
    if not updated:
        raise StaleEditError(
            current=model._default_manager.filter(pk=instance.pk).first(), yours=expected_version
        )
    instance.version = expected_version + 1
    if user is not None:
        instance._history_user = user
    if update_fields is not None:
        update_fields = sorted({*update_fields, "version", "updated_at"})
    instance.save(update_fields=update_fields)


_versioned_save = versioned_save  # the name used inside this module


def stamp_status_change(resident: Resident, *, previous_status: str | None) -> None:
    """THE place `status_changed_on` is set: the day a resident's status changes (or a new
    resident arrives already moved away/deceased). The retention rule (purge_personal_data)
    counts from this date."""
    if previous_status is None:
        changed = resident.status != Resident.Status.PRESENT
    else:
        changed = resident.status != previous_status
    if changed:
        resident.status_changed_on = timezone.localdate()


# --- Exactly one head of household ----------------------------------------------------------
HEAD = "head"


def stored_heads(household_id: int | None) -> set[int]:
    """The residents stored as head of this household (normally one)."""
    if not household_id:
        return set()
    return set(
        Resident.objects.filter(household_id=household_id, relation=HEAD).values_list(
            "pk", flat=True
        )
    )


def head_rule_error(
    *,
    stored: set[int],
    rows: list[tuple[int | None, str]],
    removed: set[int] | frozenset = frozenset(),
    demote: bool = False,
) -> str | None:
    """THE head-of-household rule: after the change a household with residents has exactly
    one head (the admin may save a household before its residents, or remove them all).

    `stored` are the heads in the database now, `rows` the residents being saved as
    (pk or None for a new one, relation), `removed` the pks leaving the household. With
    `demote` (one resident edited on its own) a resident made head replaces the stored head
    (resident_save demotes them). Returns the message to show, or None. The field forms, the
    admin's inline, the importer and the services all ask this function."""
    touched = {pk for pk, _rel in rows if pk} | set(removed)
    row_heads = sum(1 for _pk, relation in rows if relation == HEAD)
    kept = set() if (demote and row_heads) else stored - touched
    if not rows and not kept:  # no one left (or yet) in the household: no one to be head
        return None
    heads = len(kept) + row_heads
    if heads == 1:
        return None
    if heads == 0 and stored & touched:
        return str(_("A household has exactly one head: make another resident the head first."))
    if heads == 0:
        return str(_("A household has exactly one head: mark one resident as head of household."))
    return str(
        _("A household has exactly one head: %(count)s residents are marked as head.")
        % {"count": heads}
    )


def _check_head(**kwargs) -> None:
    message = head_rule_error(**kwargs)
    if message:
        raise ValidationError({"relation": message})


# --- ID-number look-ups (docs/security.md, finding 4: the ID-number oracle) -----------------
# Whether a number belongs to someone outside the user's area is said only to officials, and
# vaguely ("elsewhere"); leaders get a generic error. Each such hit counts against the user:
# past ID_LOOKUP_RATE_LIMIT hits (default 20) in ID_LOOKUP_RATE_WINDOW seconds (default one
# day), every ID number the user enters is refused with one pause message until the window
# ends, registered or not, so the answers stop telling anything.
ID_LOOKUP = "id-lookup-foreign"


def _id_lookup_limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "ID_LOOKUP_RATE_LIMIT", 20)),
        max(1, int(getattr(settings, "ID_LOOKUP_RATE_WINDOW", 24 * 3600))),
    )


def id_lookups_paused(user) -> str | None:
    """The pause message when this user is over the limit of foreign hits, else None."""
    limit, window = _id_lookup_limits()
    if user is None or limit <= 0:
        return None
    if ratelimit.count_key(ID_LOOKUP, f"user{user.pk}", window=window) < limit:
        return None
    return str(
        _(
            "ID numbers cannot be checked for you right now (too many numbers registered "
            "outside your area); try again tomorrow or ask the commune official."
        )
    )


def id_number_conflict(*, number: str, user, exclude_pk: int | None = None) -> str | None:
    """None when the ID number is free, else the message to show: the household when this
    user may see it; otherwise nothing about where (see above)."""
    if not number:
        return None
    paused = id_lookups_paused(user)
    if paused:
        return paused
    other = (
        Resident.objects.filter(id_number_digest=crypto.digest(number))
        .exclude(pk=exclude_pk)
        .select_related("household__village")
        .first()
    )
    if other is None:
        return None
    if user is not None and Resident.objects.for_user(user).filter(pk=other.pk).exists():
        return str(
            _("This ID number is already registered to a resident of household %(household)s.")
            % {"household": f"{other.household.number} ({other.household.village.name})"}
        )
    if user is not None:
        limit, window = _id_lookup_limits()
        ratelimit.hit_key(ID_LOOKUP, f"user{user.pk}", limit=limit, window=window)
    if user is not None and scope_for(user).is_official:
        return str(_("This ID number is already registered elsewhere; ask the commune."))
    return str(_("This ID number cannot be accepted here; check it with the commune official."))


# --- Duplicate people ------------------------------------------------------------------------
def resident_possible_duplicates(
    *, full_name: str, birth_date, commune_id: int, exclude_pk: int | None = None, limit: int = 5
):
    """Residents of the commune with the same folded name and birth date ("Nguyễn Văn A" typed
    as "NGUYEN VAN A", or in decomposed Unicode, is the same name)."""
    key = fold(full_name)
    if not key or birth_date is None or not commune_id:
        return []
    return list(
        Resident.objects.filter(
            household__village__commune_id=commune_id, search_key=key, birth_date=birth_date
        )
        .exclude(pk=exclude_pk)
        .select_related("household__village")
        .order_by("pk")[:limit]
    )


def describe_duplicate(resident: Resident, *, user) -> str:
    """The match as the user may see it: village, household and masked ID inside their scope,
    the village only outside it (a leader sees no other village's households)."""
    village = resident.household.village.name
    if user is not None and Resident.objects.for_user(user).filter(pk=resident.pk).exists():
        return str(
            _("%(name)s, born %(birth)s, household %(household)s (%(village)s), ID %(id)s")
            % {
                "name": resident.full_name,
                "birth": resident.birth_date.strftime("%d/%m/%Y"),
                "household": resident.household.number,
                "village": village,
                "id": resident.id_number_masked or "–",
            }
        )
    return str(
        _("a resident of %(village)s with the same name and birth date") % {"village": village}
    )


def _move_dependents(source: Resident, target: Resident) -> int:
    """Point every record that refers to `source` (support activities, assisted changes, and
    any relation added later) at `target`; a record `target` already has is dropped."""
    moved = 0
    for rel in Resident._meta.related_objects:
        if rel.many_to_many:
            through = rel.through
            if through is None:
                continue
            source_field = next(
                f.name
                for f in through._meta.fields
                if getattr(f, "related_model", None) is Resident
            )
            rows = through.objects.filter(**{source_field: source})
        elif rel.one_to_many and rel.field.concrete:
            source_field = rel.field.name
            rows = rel.related_model._base_manager.filter(**{source_field: source})
        else:
            continue
        for row in rows:
            try:
                with transaction.atomic():
                    type(row)._base_manager.filter(pk=row.pk).update(**{source_field: target})
                    moved += 1
            except IntegrityError:  # the kept resident already has the same record
                row.delete()
    return moved


@transaction.atomic
def resident_merge(*, keep: Resident, duplicates: list[Resident], user) -> int:
    """Merge residents entered twice into `keep`: their activities and assisted changes move
    to it, blanks of `keep` (ID number, phone) are filled from them, and they are deleted with
    the reason recorded in the history (who, when, merged into which resident)."""
    keep = Resident.objects.select_for_update().get(pk=keep.pk)
    merged = 0
    for other in duplicates:
        if other.pk == keep.pk:
            continue
        _move_dependents(other, keep)
        number, legacy, phone = other.get_id_number(), other.get_legacy_id(), other.phone
        other._history_user = user
        other._change_reason = f"merged into resident {keep.pk}"
        other.delete()  # first: the ID number is unique
        if number and not keep.id_number_digest:
            keep.set_id_number(number)
        if legacy and not keep.legacy_id_encrypted:
            keep.set_legacy_id(legacy)
        if phone and not keep.phone:
            keep.phone = phone
        merged += 1
    keep._change_reason = f"merged {merged} duplicate(s)"
    _versioned_save(keep, expected_version=keep.version, user=user)
    return merged


def _demote_other_heads(resident: Resident, *, user) -> list[Resident]:
    """Make `resident` the only head: the previous head becomes 'other' (recorded in history)."""
    demoted = []
    qs = Resident.objects.filter(household_id=resident.household_id, relation="head")
    if resident.pk:
        qs = qs.exclude(pk=resident.pk)
    for previous in qs:
        previous.relation = Resident.Relation.OTHER
        _versioned_save(previous, expected_version=previous.version, user=user)
        demoted.append(previous)
    return demoted


def _duplicate_id_error() -> ValidationError:
    return ValidationError({"id_number": _("This ID number is already registered.")})


class DuplicateHouseholdError(ValidationError):
    """The village already has a household with this number (typed twice, or a double submit
    that raced past the form's check); `existing` is that household."""

    def __init__(self, existing: Household):
        super().__init__({"number": household_number_taken_message(existing)})
        self.existing = existing


def household_number_taken_message(existing: Household) -> str:
    head = existing.residents.filter(relation="head").values_list("full_name", flat=True).first()
    params = {"village": existing.village.name, "number": existing.number, "head": head or "–"}
    return str(_("%(village)s already has household number %(number)s (head: %(head)s).") % params)


def household_number_taken(*, village_id: int, number: str, exclude_pk: int | None = None):
    """The household of `village_id` with this number, if any (the number as stored)."""
    return (
        Household.objects.filter(village_id=village_id, number=normalise(ascii_digits(number)))
        .exclude(pk=exclude_pk)
        .select_related("village")
        .first()
    )


@transaction.atomic
def household_create(*, household: Household, residents: list[Resident], user) -> Household:
    """A new household with its residents in one transaction (exactly one head: the form set
    shows the same rule's message first). A household number taken meanwhile raises
    DuplicateHouseholdError."""
    _check_head(stored=set(), rows=[(None, r.relation) for r in residents])
    if user is not None:
        household._history_user = user
    try:
        with transaction.atomic():
            household.save()
    except IntegrityError as exc:  # a concurrent save took the same number
        existing = household_number_taken(village_id=household.village_id, number=household.number)
        if existing is None:
            raise
        raise DuplicateHouseholdError(existing) from exc
    try:
        with transaction.atomic():
            for resident in residents:
                resident.household = household
                stamp_status_change(resident, previous_status=None)
                if user is not None:
                    resident._history_user = user
                resident.save()
    except IntegrityError as exc:  # a concurrent save took the same ID number
        raise _duplicate_id_error() from exc
    return household


@transaction.atomic
def household_update(*, household: Household, expected_version: int, user) -> Household:
    _versioned_save(household, expected_version=expected_version, user=user)
    return household


@transaction.atomic
def resident_save(
    *, resident: Resident, user, expected_version: int | None = None
) -> list[Resident]:
    """Create or update one resident (field portal, admin, offline replays); returns residents
    that stopped being head because this one became head. The head rule and the version rule
    are checked here whoever calls."""
    _check_head(
        stored=stored_heads(resident.household_id),
        rows=[(resident.pk, resident.relation)],
        demote=True,
    )
    previous = (
        Resident.objects.filter(pk=resident.pk).values_list("status", flat=True).first()
        if resident.pk
        else None
    )
    stamp_status_change(resident, previous_status=previous)
    demoted = _demote_other_heads(resident, user=user) if resident.is_head else []
    try:
        with transaction.atomic():
            if resident.pk is None:
                if user is not None:
                    resident._history_user = user
                resident.save()
            else:
                _versioned_save(resident, expected_version=expected_version or 0, user=user)
    except IntegrityError as exc:
        raise _duplicate_id_error() from exc
    return demoted


@transaction.atomic
def household_residents_save(
    *,
    household: Household,
    residents: list[Resident],
    user,
    removed: list[Resident] = (),
) -> None:
    """Several residents of one household saved together (the admin's inline, an import
    updating a household): the head rule on the whole set, then those who stop being head
    first (the partial unique index on heads), each existing one by the version rule."""
    _check_head(
        stored=stored_heads(household.pk),
        rows=[(r.pk, r.relation) for r in residents],
        removed={r.pk for r in removed},
    )
    previous = dict(
        Resident.objects.filter(pk__in=[r.pk for r in residents if r.pk]).values_list(
            "pk", "status"
        )
    )
    for resident in removed:
        if user is not None:
            resident._history_user = user
        resident.delete()
    try:
        with transaction.atomic():
            for resident in sorted(residents, key=lambda r: r.relation == HEAD):
                resident.household = household
                stamp_status_change(resident, previous_status=previous.get(resident.pk))
                if resident.pk is None:
                    if user is not None:
                        resident._history_user = user
                    resident.save()
                else:
                    _versioned_save(resident, expected_version=resident.version, user=user)
    except IntegrityError as exc:
        raise _duplicate_id_error() from exc


def resident_may_delete(resident: Resident) -> bool:
    """The head stays while others live in the household (exactly one head)."""
    if not resident.is_head:
        return True
    return (
        not Resident.objects.filter(household_id=resident.household_id)
        .exclude(pk=resident.pk)
        .exists()
    )


@transaction.atomic
def address_save(
    *, address: DigitalAddress, user, expected_version: int | None = None
) -> DigitalAddress:
    if address.pk is None:
        if user is not None:
            address._history_user = user
        try:
            with transaction.atomic():
                address.save()
        except IntegrityError as exc:  # saved meanwhile (a double submit), or the code is taken
            if DigitalAddress.objects.filter(household_id=address.household_id).exists():
                raise ValidationError(
                    _("This household's digital address was already saved (a moment ago).")
                ) from exc
            raise ValidationError(
                {"location_code": _("This location code is already used by another household.")}
            ) from exc
    else:
        _versioned_save(address, expected_version=expected_version or 0, user=user)
    return address


def stale_differences(form, current: models.Model) -> list[tuple[str, str, str]]:
    """(label, your value, current value) for each field where the two versions differ."""
    rows = []
    for name, field in form.fields.items():
        if name in {"version", "id_number", "legacy_id"} or name not in form.cleaned_data:
            continue
        try:
            model_field = current._meta.get_field(name)
        except Exception:  # a form-only field
            continue
        mine = form.cleaned_data[name]
        theirs = getattr(current, name)
        if isinstance(model_field, models.ForeignKey):
            theirs = getattr(current, model_field.name)
        if (mine or None) != (theirs or None):
            rows.append(
                (str(field.label), _display(model_field, mine), _display(model_field, theirs))
            )
    return rows


def _display(model_field, value) -> str:
    if value in (None, ""):
        return "–"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)
