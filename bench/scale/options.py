"""Options of the scale data set and the users it creates (bench/scale)."""

from __future__ import annotations

from dataclasses import dataclass

from villages.roles import OFFICIAL_GROUP, sync_official_group

USER_PREFIX = "scale-"
DEFAULT_PASSWORD = "scale-Secret-123"


class ScaleError(Exception):
    """A refusal with one clear sentence (the command turns it into a CommandError)."""


@dataclass
class Options:
    communes: int
    villages_per_commune: int
    households_per_village: int
    batch: int = 5000
    stamps_per_commune: int = 200
    password: str = DEFAULT_PASSWORD
    seed: int = 2025
    id_from_age: int = 14


def official_username(commune_code: str) -> str:
    return f"{USER_PREFIX}{commune_code}-official"


def official_group():
    from django.contrib.auth.models import Group

    return Group.objects.filter(name=OFFICIAL_GROUP).first() or sync_official_group()
