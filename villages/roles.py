"""Django permissions for each role. Which *rows* a role reaches is decided in core.access."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

OFFICIAL_GROUP = "Cán bộ xã"
# The apps whose models officials manage in the admin (rows limited to their communes).
PORTAL_APPS = [
    "villages",
    "households",
    "digital_teams",
    "payments",
    "ocop",
    "criteria",
    "plates",
    "api",  # system accounts (api.SystemAccount): add, rename, revoke; never delete
]
# Officials read the commune list but never edit the official list itself.
OFFICIAL_EXCLUDED = {"add_commune", "delete_commune", "change_commune", "delete_systemaccount"}


def sync_official_group(**kwargs) -> Group:
    """Give the officials' group every permission of the portal's apps (run after migrate)."""
    group, _created = Group.objects.get_or_create(name=OFFICIAL_GROUP)
    perms = Permission.objects.filter(content_type__app_label__in=PORTAL_APPS).exclude(
        codename__in=OFFICIAL_EXCLUDED
    )
    group.permissions.set(perms)
    return group


def make_official(user, commune) -> None:
    """Make `user` an official of `commune`: staff, in the officials' group, with a membership."""
    from .models import Membership

    group = Group.objects.filter(name=OFFICIAL_GROUP).first() or sync_official_group()
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(group)
    Membership.objects.get_or_create(
        user=user, commune=commune, village=None, defaults={"role": Membership.Role.OFFICIAL}
    )


def make_province_office(user, province_code: str) -> None:
    """Make `user` a provincial NTM office of `province_code` (not staff: no admin, no
    commune pages; the province overview and the read API only)."""
    from .models import ProvinceMembership

    ProvinceMembership.objects.get_or_create(user=user, province_code=province_code)


def make_team_member(user, village, *, leader: bool) -> None:
    from .models import Membership

    role = Membership.Role.LEADER if leader else Membership.Role.MEMBER
    Membership.objects.update_or_create(
        user=user, commune=village.commune, village=village, defaults={"role": role}
    )
