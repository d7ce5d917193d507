"""The one place that decides who may see and change which rows.

`scope_for(user)` computes, once per request (cached on the user object), the communes a user
is an official of and the villages whose digital team they belong to. Every scoped model's
queryset inherits `ScopedQuerySet` and names the path from the model to its village and commune;
`.for_user(user)` filters through the scope. Admin, field views, exports and tasks all use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property, wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

_CACHE_ATTR = "_smartvillage_scope"


@dataclass(frozen=True)
class Scope:
    """What one user may reach. Officials: whole communes. Team members: one village each."""

    superuser: bool = False
    official_commune_ids: frozenset[int] = field(default_factory=frozenset)
    team_village_ids: frozenset[int] = field(default_factory=frozenset)
    leader_village_ids: frozenset[int] = field(default_factory=frozenset)
    # Communes of the villages a team member belongs to (read-only context, e.g. commune name).
    team_commune_ids: frozenset[int] = field(default_factory=frozenset)
    user_id: int | None = None

    # Provincial NTM office: the provinces it follows and their communes (PROVINCE_READABLE
    # models only, through `for_reader`; never personal data, never writes). Read on first use,
    # so pages that never ask pay no query.
    @cached_property
    def province_codes(self) -> frozenset[str]:
        if self.user_id is None:
            return frozenset()
        from villages.models import ProvinceMembership

        return frozenset(
            ProvinceMembership.objects.filter(user_id=self.user_id).values_list(
                "province_code", flat=True
            )
        )

    @cached_property
    def province_commune_ids(self) -> frozenset[int]:
        if not self.province_codes:
            return frozenset()
        from villages.models import Commune

        return frozenset(
            Commune.objects.filter(province_code__in=self.province_codes).values_list(
                "pk", flat=True
            )
        )

    @property
    def is_official(self) -> bool:
        return self.superuser or bool(self.official_commune_ids)

    @property
    def is_team(self) -> bool:
        return bool(self.team_village_ids)

    @property
    def is_empty(self) -> bool:
        return not (self.superuser or self.official_commune_ids or self.team_village_ids)

    def q(self, *, village_path: str | None = None, commune_path: str | None = None) -> Q:
        """A filter for rows reachable through `village_path` and/or `commune_path`."""
        if self.superuser:
            return Q()
        if commune_path is None and village_path is not None:
            commune_path = f"{village_path}__commune_id"
        condition = Q(pk__in=[])
        if commune_path is not None and self.official_commune_ids:
            condition |= Q(**{f"{commune_path}__in": self.official_commune_ids})
        if village_path is not None and self.team_village_ids:
            condition |= Q(**{f"{village_path}__in": self.team_village_ids})
        return condition

    def may_manage_village(self, village) -> bool:
        """Delete records and manage the team: officials of the commune, the village's leader."""
        return (
            self.superuser
            or village.commune_id in self.official_commune_ids
            or village.pk in self.leader_village_ids
        )

    def may_write_village(self, village) -> bool:
        return (
            self.superuser
            or village.commune_id in self.official_commune_ids
            or village.pk in self.team_village_ids
        )

    def may_read_commune(self, commune_id: int) -> bool:
        return (
            self.superuser
            or commune_id in self.official_commune_ids
            or commune_id in self.team_commune_ids
        )


ANONYMOUS_SCOPE = Scope()


def scope_for(user) -> Scope:
    """The user's scope, computed once and cached on the user object (one per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(superuser=True)
    else:
        from villages.models import Membership

        official, team, leader, team_communes = set(), set(), set(), set()
        for role, commune_id, village_id in Membership.objects.filter(user=user).values_list(
            "role", "commune_id", "village_id"
        ):
            if role == Membership.Role.OFFICIAL:
                official.add(commune_id)
            else:
                team.add(village_id)
                team_communes.add(commune_id)
                if role == Membership.Role.LEADER:
                    leader.add(village_id)
        scope = Scope(
            user_id=user.pk,
            official_commune_ids=frozenset(official),
            team_village_ids=frozenset(team),
            leader_village_ids=frozenset(leader),
            team_commune_ids=frozenset(team_communes),
        )
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope (after memberships change in the same request or test)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# What a provincial NTM coordination office reads across its province (issue 17): communes,
# villages, checklists and roll-ups, evidence, commune groups, cashless reports, OCOP products
# and stamp batches, and team activities as counts (the province pages aggregate them, never
# list them: an activity names the residents helped). Households, residents, digital addresses,
# team members (phones), producers (phones) and follow-up lists are not here, so never reached.
PROVINCE_READABLE = frozenset(
    {
        "villages.Commune",
        "villages.Village",
        "criteria.Assessment",
        "criteria.RollupRun",
        "criteria.ManualEvidence",
        "criteria.CommuneGroup",
        "payments.CashlessReport",
        "ocop.Product",
        "ocop.StampBatch",
        "digital_teams.SupportActivity",
    }
)


class ScopedQuerySet(models.QuerySet):
    """Base queryset for every model that belongs to a village or a commune.

    Subclasses set `village_path` (lookup from the model to the village id) and/or
    `commune_path` (to the commune id). Rows reachable by neither are invisible.
    """

    village_path: str | None = None
    commune_path: str | None = None

    def for_user(self, user):
        # Reading and writing reach the same rows for every role (docs/decisions.md 1);
        # deleting and managing a team are checked with Scope.may_manage_village.
        scope = scope_for(user)
        return self.filter(scope.q(village_path=self.village_path, commune_path=self.commune_path))

    def for_reader(self, user):
        """Rows the user may read on summary pages and the read API: `for_user`, plus, for a
        provincial office, every commune of its provinces for the models in PROVINCE_READABLE
        (figures only; households, residents, phones and follow-up lists are never in it)."""
        scope = scope_for(user)
        condition = scope.q(village_path=self.village_path, commune_path=self.commune_path)
        if scope.province_commune_ids and self.model._meta.label in PROVINCE_READABLE:
            path = self.commune_path or f"{self.village_path}__commune_id"
            condition |= Q(**{f"{path}__in": scope.province_commune_ids})
        return self.filter(condition)

    def for_officials(self, user):
        """Rows of the user's communes as an official (team members reach none)."""
        if self.commune_path is None:
            return self.none()
        return self.filter(scope_for(user).q(commune_path=self.commune_path))


def get_for_user(queryset_or_model, user, pk):
    """The object with this pk if the user may reach it, else 404 (never 'exists but hidden')."""
    qs = (
        queryset_or_model._default_manager.all()
        if isinstance(queryset_or_model, type)
        else queryset_or_model
    )
    try:
        return get_object_or_404(qs.for_user(user), pk=pk)
    except (ValueError, TypeError) as exc:  # a tampered, non-numeric id
        raise Http404 from exc


# --- Officials' pages -----------------------------------------------------------------------------
# One rule for every officials' page (payments, the commune dashboard, the criteria checklist,
# dossier and roll-up): the user is an official (an official membership, and staff as every
# official is: villages.roles.make_official) and the commune is picked by its official code,
# from the URL path or ?commune=<code>, among the user's communes; any other code answers 404.


def is_official(user) -> bool:
    """May open officials' pages: an official of a commune (or a superuser) and staff."""
    return bool(
        user is not None and user.is_authenticated and user.is_staff and scope_for(user).is_official
    )


def official_communes(user):
    """The communes whose officials' pages the user may open, by code (superuser: every
    commune that has villages, not the national list of 3,321)."""
    from villages.models import Commune

    if not is_official(user):
        return Commune.objects.none()
    scope = scope_for(user)
    if scope.superuser:
        communes = Commune.objects.filter(villages__isnull=False).distinct()
    else:
        communes = Commune.objects.filter(pk__in=scope.official_commune_ids)
    return communes.order_by("code")


def official_required(view):
    """Officials' pages: anonymous visitors log in; everyone else who is not an official gets
    403 (the Vietnamese "no permission" page)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_official(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def official_commune_list(request) -> list:
    """`official_communes` of the request's user, read once per request (one query)."""
    cached = getattr(request, "_official_communes", None)
    if cached is None:
        cached = list(official_communes(request.user))
        request._official_communes = cached
    return cached


def commune_for(request, code: str | None = None):
    """The commune an officials' page is about: `code` (from the URL path), else
    ?commune=<code>, else the user's first commune. 404 when it is not one of the user's
    communes, or when the user has none (never "exists but forbidden")."""
    if code is None:
        code = request.GET.get("commune", "")
    communes = official_commune_list(request)
    commune = next((c for c in communes if c.code == code), None) if code else None
    if commune is None and not code and communes:
        commune = communes[0]
    if commune is None:
        raise Http404
    return commune


def team_accounts_for_official(user):
    """Accounts of the digital teams of the user's communes (never staff or superusers): the
    accounts an official may reset a password for (core.accounts)."""
    from django.contrib.auth import get_user_model

    from villages.models import Membership

    scope = scope_for(user)
    User = get_user_model()
    if not (scope.superuser or scope.official_commune_ids):
        return User.objects.none()
    team = Membership.objects.filter(role__in=[Membership.Role.LEADER, Membership.Role.MEMBER])
    if not scope.superuser:
        team = team.filter(commune_id__in=scope.official_commune_ids)
    return User.objects.filter(pk__in=team.values("user_id"), is_staff=False, is_superuser=False)


# --- Provincial office pages -----------------------------------------------------------------


def is_province_office(user, province_code: str | None = None) -> bool:
    """Follows `province_code` (or any province) as a provincial office, or is a superuser."""
    scope = scope_for(user)
    if scope.superuser:
        return True
    if province_code is None:
        return bool(scope.province_codes)
    return province_code in scope.province_codes


def province_required(view):
    """Provincial pages `/province/<code>/...`: anonymous visitors log in; users without a
    provincial membership get 403; another province's code answers 404. The one write a
    provincial office has goes through it too: recording its province's administrative changes
    (a village moving, communes merging: villages.change_views), which moves no personal data
    into its reach (households follow their village to the new commune's officials)."""

    @wraps(view)
    @login_required
    def wrapper(request, code: str, *args, **kwargs):
        if not is_province_office(request.user):
            raise PermissionDenied
        if not is_province_office(request.user, code):
            raise Http404
        return view(request, code, *args, **kwargs)

    return wrapper
