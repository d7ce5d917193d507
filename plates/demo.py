"""Demo data: Tân Thanh (village 01) is plated. Its addresses collected with the police are
verified, a batch of plates is ordered by the official and rendered, the print shop delivered
it, and the team has installed most plates; one report from the address page waits for the
team. Idempotent: nothing is added when the village already has a batch."""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from households.models import DigitalAddress

from .models import AddressCorrection, PlateBatch, PlateSettings
from .rendering import plate_batch_render
from .services import plate_batch_create, plate_batch_mark_printed, plate_install

PLATED_VILLAGE = 1


def seed_demo(commune, *, password: str, stdout=None) -> None:
    PlateSettings.objects.update_or_create(
        commune=commune,
        defaults={
            "size": "300x200",
            "contact_name": f"Uỷ ban nhân dân {commune.name}",
            "contact_phone": "02033888666",
            "contact_address": "Trụ sở UBND xã, đường Trung tâm",
        },
    )
    village = commune.villages.filter(number=PLATED_VILLAGE).first()
    if village is None or PlateBatch.objects.filter(village=village).exists():
        return
    User = get_user_model()
    official = User.objects.filter(username="official").first()
    leader = User.objects.filter(username=f"leader{PLATED_VILLAGE:02d}").first()
    # The addresses collected with the commune police are verified a week after collection.
    police = DigitalAddress.objects.filter(
        household__village=village, source=DigitalAddress.Source.POLICE, verified_on__isnull=True
    ).exclude(location_code=None)
    for address in police:
        address.verified_on = (address.collected_on or timezone.localdate()) + dt.timedelta(days=7)
        address.verified_by = official
    DigitalAddress.objects.bulk_update(police, ["verified_on", "verified_by"], batch_size=500)
    batch = plate_batch_create(village=village, size="300x200", user=official)
    # Rendered here, at once (seed_demo runs inside a transaction, so the task sent on commit
    # would come after this function; its claim then finds the batch ready and does nothing).
    plate_batch_render(batch_id=batch.pk)
    batch.refresh_from_db()
    if batch.status == PlateBatch.Status.READY:
        plate_batch_mark_printed(batch=batch)
        rng = random.Random(18)
        plates = list(batch.plates.select_related("address"))
        for plate in plates:
            if rng.random() < 0.7:
                plate_install(plate=plate, user=leader)
        if plates:
            first = plates[0]
            AddressCorrection.objects.get_or_create(
                village=village,
                address=first.address,
                code=first.code,
                defaults={"message": "Biển ghi số nhà cũ, nhà đã đánh lại số."},
            )
    if stdout is not None:
        stdout.write(f"  plates: {batch.quantity} ordered for {village.name} ({batch.status})")
