"""Loading the official list of communes (vietnam-provinces, 2025 two-level structure)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .models import Commune


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
