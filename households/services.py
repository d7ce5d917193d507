"""Writes that need more than a ModelForm: optimistic locking, heads of household, ID numbers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

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


def _versioned_save(instance: models.Model, *, expected_version: int, user=None) -> None:
    """Save `instance` only if the row still has `expected_version` (conditional UPDATE).

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
    instance.save()


def id_number_conflict(*, number: str, user, exclude_pk: int | None = None) -> str | None:
    """None when the ID number is free, else the message to show (names the household only
    when this user may see it)."""
    if not number:
        return None
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
    return str(_("This ID number is already registered."))


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


@transaction.atomic
def household_create(*, household: Household, residents: list[Resident], user) -> Household:
    """A new household with its residents in one transaction (exactly one head, checked by
    the form set)."""
    if user is not None:
        household._history_user = user
    household.save()
    try:
        with transaction.atomic():
            for resident in residents:
                resident.household = household
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
    """Create or update a resident; returns residents that stopped being head because this
    one became head."""
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
        address.save()
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
