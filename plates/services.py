"""Plate services: which addresses get a plate (and why not), ordering a batch, printing and
installing, the public page's scans, corrections sent from it and the village's counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import claims
from core.jobs import enqueue_on_commit
from core.scans import coarse_origin, ua_family_of
from households.models import DigitalAddress, Household
from households.services import address_save

from .models import AddressCorrection, Plate, PlateBatch, PlateScan, PlateSettings

# Sent by name through core.jobs (plates.tasks -> rendering -> services is the one direction).
RENDER_TASK = "plates.tasks.render_plate_batch"


# --- Who gets a plate ----------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """An order's households: those that get a plate, and those left out with the reason."""

    included: list[tuple[Household, DigitalAddress]]
    left_out: list[dict]  # {"household": number, "house_no": ..., "reason": text}


def verified_addresses():
    """Addresses that may carry a plate: a code, coordinates, verified with the commune police."""
    return DigitalAddress.objects.filter(
        location_code__isnull=False, verified_on__isnull=False
    ).exclude(location_code="")


def plate_selection(*, village, household_ids: list[int] | None = None) -> Selection:
    """The village's households (or the ticked ones) split into plated and left out.

    Left out: no digital address, no code, not verified with the police; when the whole village
    is ordered, also those that already have a plate (a replacement is ordered by ticking it)."""
    households = Household.objects.filter(village=village).select_related("digital_address")
    households = households.natural_order()
    if household_ids is not None:
        households = households.filter(pk__in=household_ids)
    plated = set(
        Plate.objects.live().filter(batch__village=village).values_list("household_id", flat=True)
    )
    included, left_out = [], []
    for household in households:
        address = getattr(household, "digital_address", None)
        reason = None
        if address is None:
            reason = _("no digital address")
        elif not address.location_code:
            reason = _("no digital-address code")
        elif address.verified_on is None:
            reason = _("not yet verified with the commune police")
        elif household_ids is None and household.pk in plated:
            reason = _("already has a plate")
        if reason:
            left_out.append(
                {"household": household.number, "house_no": household.house_no, "reason": reason}
            )
        else:
            included.append((household, address))
    return Selection(included=included, left_out=left_out)


def commune_settings(commune) -> PlateSettings:
    return PlateSettings.objects.filter(commune=commune).first() or PlateSettings(commune=commune)


# --- Batches -------------------------------------------------------------------------------


def plate_batch_schedule_render(*, batch: PlateBatch, on_waiting=None) -> None:
    enqueue_on_commit(RENDER_TASK, batch.pk, on_waiting=on_waiting)


def plate_batch_create(
    *, village, size: str, user, household_ids: list[int] | None = None, on_waiting=None
) -> PlateBatch:
    """Order plates for the village's verified addresses (or the ticked households); the
    rendering is sent on commit. ValidationError when no household qualifies."""
    selection = plate_selection(village=village, household_ids=household_ids)
    if not selection.included:
        raise ValidationError(_("None of these households can get a plate yet (see the reasons)."))
    with transaction.atomic():
        batch = PlateBatch.objects.create(
            village=village,
            size=size,
            quantity=len(selection.included),
            left_out=selection.left_out,
            created_by=user,
        )
        replaced = [h.pk for h, _a in selection.included]
        # A replacement: the household's earlier plates are withdrawn (they carry the same or
        # an outdated code; counts follow the newest plate).
        Plate.objects.live().filter(household_id__in=replaced).update(withdrawn_at=timezone.now())
        Plate.objects.bulk_create(
            [
                Plate(
                    batch=batch,
                    sequence=n,
                    address=address,
                    household=household,
                    code=address.location_code,
                )
                for n, (household, address) in enumerate(selection.included, start=1)
            ]
        )
        plate_batch_schedule_render(batch=batch, on_waiting=on_waiting)
    return batch


def plate_batch_retry(*, batch: PlateBatch) -> bool:
    """Queue a failed (or stuck) batch again; False when it is not retryable."""
    with transaction.atomic():
        changed = PlateBatch.objects.filter(claims.retryable(), pk=batch.pk).update(
            status=PlateBatch.Status.QUEUED,
            error="",
            progress=0,
            render_token="",
            heartbeat_at=timezone.now(),
        )
        if changed:
            plate_batch_schedule_render(batch=batch)
    return bool(changed)


def plate_batch_mark_printed(*, batch: PlateBatch) -> bool:
    """The print shop delivered the plates (once; a rendered batch only)."""
    return bool(
        PlateBatch.objects.filter(
            pk=batch.pk, status=PlateBatch.Status.READY, printed_at__isnull=True
        ).update(printed_at=timezone.now())
    )


def plate_install(*, plate: Plate, user, on: dt.datetime | None = None) -> bool:
    """A team member fixed the plate on the house: the plate and the address say so (the
    address's history keeps who and when). False when it was already marked (a resend) or
    the plate was withdrawn (replaced by a newer one)."""
    with transaction.atomic():
        marked = (
            Plate.objects.live()
            .filter(pk=plate.pk, installed_at__isnull=True)
            .update(installed_at=on or timezone.now(), installed_by=user)
        )
        if marked:
            address = DigitalAddress.objects.select_for_update().get(pk=plate.address_id)
            if not address.plate_installed:
                address.plate_installed = True
                address._change_reason = _("Plate installed")
                address_save(address=address, user=user, expected_version=address.version)
    return bool(marked)


# --- The public page -----------------------------------------------------------------------


def address_for_code(code: str) -> tuple[DigitalAddress | None, bool]:
    """(address, withdrawn) for a scanned code: the verified address, or (None, True) when a
    plate was made for this code but it no longer leads to a verified address (withdrawn),
    or (None, False) when the code is unknown. Two queries at most, whatever the code."""
    address = (
        verified_addresses()
        .filter(location_code=code)
        .select_related("household__village__commune")
        .first()
    )
    if address is not None:
        return address, False
    return None, Plate.objects.filter(code=code).exists()


def address_scan_record(*, address: DigitalAddress, ip: str | None, user_agent: str | None):
    PlateScan.objects.create(
        village_id=address.household.village_id,
        address=address,
        scanned_at=timezone.now(),
        client_hash=coarse_origin(ip, purpose="plate-scan"),
        ua_family=ua_family_of(user_agent),
    )


def correction_create(*, address: DigitalAddress, code: str, message: str, phone: str = ""):
    """A report from the public page: a task for the address's village team."""
    correction = AddressCorrection(
        village_id=address.household.village_id,
        address=address,
        code=code,
        message=message,
        phone=phone,
    )
    correction.full_clean()
    correction.save()
    return correction


def correction_resolve(*, correction: AddressCorrection, user, fixed: bool, note: str = "") -> bool:
    """The team checked the report in the field: the address is right (confirmed) or was fixed
    (the fix itself is saved on the address form). Either way the address's history says so.
    False when it was already resolved (a resend)."""
    status = AddressCorrection.Status.FIXED if fixed else AddressCorrection.Status.CONFIRMED
    with transaction.atomic():
        done = AddressCorrection.objects.filter(
            pk=correction.pk, status=AddressCorrection.Status.OPEN
        ).update(status=status, note=note, resolved_at=timezone.now(), resolved_by=user)
        if done:
            address = DigitalAddress.objects.select_for_update().get(pk=correction.address_id)
            reason = _("Report from the address page %(result)s: %(message)s") % {
                "result": _("fixed") if fixed else _("checked, address confirmed"),
                "message": correction.message[:60],
            }
            address._change_reason = reason[:100]
            address_save(address=address, user=user, expected_version=address.version)
    return bool(done)


# --- Counts --------------------------------------------------------------------------------


def village_counts(village_ids) -> dict[int, dict[str, int]]:
    """Per village: plates ordered, printed, installed (live plates), page scans, open
    corrections. Four aggregate queries, whatever the number of villages."""
    counts = {vid: {"ordered": 0, "printed": 0, "installed": 0, "scans": 0, "open": 0}
              for vid in village_ids}  # fmt: skip
    rows = (
        Plate.objects.live()
        .filter(batch__village_id__in=village_ids)
        .order_by()
        .values("batch__village_id")
        .annotate(
            ordered=Count("pk"),
            printed=Count("pk", filter=Q(batch__printed_at__isnull=False)),
            installed=Count("pk", filter=Q(installed_at__isnull=False)),
        )
    )
    for row in rows:
        counts[row["batch__village_id"]].update(
            ordered=row["ordered"], printed=row["printed"], installed=row["installed"]
        )
    scans = (
        PlateScan.objects.filter(village_id__in=village_ids)
        .order_by()
        .values("village_id")
        .annotate(n=Count("pk"))
    )
    for row in scans:
        counts[row["village_id"]]["scans"] = row["n"]
    open_ = (
        AddressCorrection.objects.open()
        .filter(village_id__in=village_ids)
        .order_by()
        .values("village_id")
        .annotate(n=Count("pk"))
    )
    for row in open_:
        counts[row["village_id"]]["open"] = row["n"]
    return counts
