"""Field-portal pages of the digital teams: team, members, activities, dashboard, follow-up."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import get_for_user, scope_for
from core.dataversion import cached_part
from households.models import Household, Resident
from villages.models import Membership, Village
from villages.services import team_accounts_deactivate

from . import panels, selectors, services
from .forms import DigitalTeamForm, HomeVisitForm, SupportActivityForm, TeamMemberForm
from .models import (
    AssistedChange,
    DigitalTeam,
    FollowUpAssignment,
    FollowUpTopic,
    SupportActivity,
    TeamMember,
)


def _village(request: HttpRequest, select=("commune",)) -> Village:
    """The village the page is about: ?village=<pk> (checked against the scope) or the first."""
    villages = Village.objects.for_user(request.user).select_related(*select)
    raw = request.GET.get("village") or request.POST.get("village")
    if raw:
        return get_for_user(villages, request.user, raw)
    village = villages.first()
    if village is None:
        raise Http404
    return village


def _villages_for_picker(request: HttpRequest):
    scope = scope_for(request.user)
    if scope.is_official:
        return list(Village.objects.for_user(request.user).only("id", "name", "number"))
    return []


def _team(village: Village) -> DigitalTeam | None:
    return DigitalTeam.objects.filter(village=village).select_related("village__commune").first()


def _team_of(village: Village) -> DigitalTeam | None:
    """The team of a village read with select_related("digital_team"): no query."""
    try:
        return village.digital_team
    except DigitalTeam.DoesNotExist:
        return None


def _topic(request: HttpRequest) -> str:
    raw = request.GET.get("topic") or request.POST.get("topic") or FollowUpTopic.VNEID_LEVEL2
    if raw not in FollowUpTopic.values:
        raise Http404
    return raw


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _team_url(village: Village, name: str = "digital_teams:team_detail") -> str:
    return f"{reverse(name)}?village={village.pk}"


# --- Team ---------------------------------------------------------------------------------------


@login_required
def team_detail(request: HttpRequest):
    village = _village(request)
    team = _team(village)
    scope = scope_for(request.user)
    context = {
        "village": village,
        "team": team,
        "villages": _villages_for_picker(request),
        "may_manage": scope.may_manage_village(village),
    }
    if team is not None:
        members = list(team.members.select_related("user").order_by("-role", "full_name"))
        context["active_members"] = [m for m in members if m.is_active]
        context["former_members"] = [m for m in members if not m.is_active]
        context["activities"] = (
            team.activities.select_related("recorded_by")
            .prefetch_related("members")
            .annotate(n_residents=Count("residents", distinct=True))
            .annotate(n_changes=Count("changes", distinct=True))
            .order_by("-date", "-pk")[:30]  # newest first
        )
    return render(request, "digital_teams/team_detail.html", context)


def _require_manage(request: HttpRequest, village: Village) -> None:
    if not scope_for(request.user).may_manage_village(village):
        raise PermissionDenied


@login_required
def team_edit(request: HttpRequest):
    """Create the village's team or edit its founding decision (leader and officials)."""
    village = _village(request)
    _require_manage(request, village)
    team = _team(village) or DigitalTeam(village=village)
    form = DigitalTeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The team was saved."))
        return redirect(_team_url(village))
    return render(
        request, "digital_teams/team_form.html", {"form": form, "village": village, "team": team}
    )


@login_required
def member_create(request: HttpRequest):
    village = _village(request)
    _require_manage(request, village)
    team = _team(village)
    if team is None:
        raise Http404
    form = TeamMemberForm(request.POST or None, team=team, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The member was added."))
        return redirect(_team_url(village))
    return render(
        request,
        "digital_teams/member_form.html",
        {"form": form, "village": village, "team": team},
    )


@login_required
def member_update(request: HttpRequest, pk: int):
    member = get_for_user(
        TeamMember.objects.select_related("team__village__commune"), request.user, pk
    )
    village = member.team.village
    _require_manage(request, village)
    form = TeamMemberForm(
        request.POST or None, instance=member, team=member.team, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The member was saved."))
        return redirect(_team_url(village))
    return render(
        request,
        "digital_teams/member_form.html",
        {"form": form, "village": village, "team": member.team, "member": member},
    )


@login_required
@require_POST
def member_deactivate(request: HttpRequest, pk: int):
    member = get_for_user(TeamMember.objects.select_related("team__village"), request.user, pk)
    village = member.team.village
    _require_manage(request, village)
    # `active_to` is the last active day: deactivating today means yesterday was the last one.
    last_day = timezone.localdate() - datetime.timedelta(days=1)
    if member.active_to is None or member.active_to > last_day:
        member.active_to = last_day
        if member.active_from and member.active_from > member.active_to:
            member.active_from = member.active_to
        member.save(update_fields=["active_to", "active_from"])
    if member.user_id:
        # Their account loses field access and is logged out everywhere: the same rule as the
        # admin's membership action (villages.services.team_accounts_deactivate).
        team_accounts_deactivate(
            memberships=Membership.objects.filter(user_id=member.user_id, village=village)
        )
    messages.success(request, _("%(name)s is no longer active in the team.") % {"name": member})
    return redirect(_team_url(village))


# --- Activities -------------------------------------------------------------------------------


@login_required
def activity_create(request: HttpRequest):
    village = _village(request)
    team = _team(village)
    if team is None:
        raise Http404
    form = SupportActivityForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.support_activity_record(
                team=team,
                user=request.user,
                date=data["date"],
                kind=data["kind"],
                topics=data["topics"],
                members=data["members"],
                participants=data["participants"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The activity was recorded."))
            return redirect(_team_url(village))
    return render(
        request,
        "digital_teams/activity_form.html",
        {"form": form, "village": village, "team": team},
    )


@login_required
def activity_detail(request: HttpRequest, pk: int):
    activity = get_for_user(
        SupportActivity.objects.select_related("team__village", "recorded_by"), request.user, pk
    )
    changes = AssistedChange.objects.filter(activity=activity).select_related(
        "resident__household", "changed_by"
    )
    return render(
        request,
        "digital_teams/activity_detail.html",
        {
            "activity": activity,
            "village": activity.team.village,
            "changes": changes,
            "members": activity.members.all(),
            "residents": activity.residents.select_related("household"),
            "may_undo": services.may_undo(activity, request.user),
        },
    )


@login_required
@require_POST
def activity_undo(request: HttpRequest, pk: int):
    activity = get_for_user(
        SupportActivity.objects.select_related("team__village"), request.user, pk
    )
    village = activity.team.village
    result = services.support_activity_undo(activity=activity, user=request.user)
    messages.success(
        request,
        _("The activity was undone; %(n)d registry change(s) were restored.")
        % {"n": len(result.restored)},
    )
    for change in result.kept:
        messages.warning(
            request,
            _(
                "%(resident)s: %(field)s was changed by someone else since the activity and "
                "was left as it is (%(value)s)."
            )
            % {
                "resident": change.resident.full_name,
                "field": change.get_field_display(),
                "value": change.resident.get_vneid_level_display()
                if change.field == "vneid_level"
                else (_("yes") if getattr(change.resident, change.field) else _("no")),
            },
        )
    return redirect(_team_url(village))


# --- Dashboard --------------------------------------------------------------------------------


@login_required
def team_dashboard(request: HttpRequest):
    village = _village(request)
    team = _team(village)
    context = {"village": village, "team": team, "villages": _villages_for_picker(request)}
    if team is not None:
        today = timezone.localdate()
        # Per team and day under the commune's data version (core.dataversion), never per user.
        context["dash"] = cached_part(
            "digital_teams:dashboard",
            village.commune_id,
            lambda: selectors.team_dashboard(team, on=today),
            team.pk,
            today.isoformat(),
        )
    return render(request, "digital_teams/dashboard.html", context)


# --- Follow-up --------------------------------------------------------------------------------


def _followup_rows_cached(village: Village, topic: str, q: str, today: datetime.date) -> list:
    """Every household missing the topic (3 queries), cached per village, topic, search and
    day under the commune's data version (core.dataversion)."""
    return cached_part(
        "digital_teams:followup",
        village.commune_id,
        lambda: selectors.followup_rows(village, topic, q=q, on=today),
        village.pk,
        topic,
        q,
        today.isoformat(),
    )


def _followup_context(request: HttpRequest) -> dict:
    """The printable follow-up list's context: every household of the village missing the topic."""
    village = _village(request, select=("commune", "digital_team"))
    topic = _topic(request)
    q = request.GET.get("q", "").strip()[:40]
    found = _followup_rows_cached(village, topic, q, timezone.localdate())
    return {
        "q": q,
        "village": village,
        "team": _team_of(village),
        "topic": topic,
        "topic_label": FollowUpTopic(topic).label,
        "topics": FollowUpTopic.choices,
        "rows": found,
        "n_households": len(found),
        "n_residents": sum(len(r.residents) for r in found),
        "resident_topic": topic != FollowUpTopic.DIGITAL_ADDRESS,
    }


FOLLOWUP_PAGE_SIZE = 50


@login_required
def followup_list(request: HttpRequest):
    """One village's follow-up list, a page of households at a time (light on a phone).

    Everything but the village picker and the form token is one cached part (core.dataversion):
    per village, topic, search, page, day and whether the reader may assign, under the commune's
    data version, so a write by anyone shows on the next view (tests/perf/test_stale_parts.py).
    The sections other apps add (digital_teams.panels) are cached with it: they may depend on
    the village and that flag only, never on anything else of the reader.
    """
    village = _village(request, select=("commune", "digital_team"))
    team = _team_of(village)
    topic = _topic(request)
    q = request.GET.get("q", "").strip()[:40]
    today = timezone.localdate()
    may_assign = team is not None and scope_for(request.user).may_manage_village(village)
    next_url = request.get_full_path()
    page_number = request.GET.get("page")

    def compute() -> dict:
        found = _followup_rows_cached(village, topic, q, today)
        page = Paginator(found, FOLLOWUP_PAGE_SIZE).get_page(page_number)
        parts = {
            "village": village,
            "team": team,
            "topic": topic,
            "topics": FollowUpTopic.choices,
            "q": q,
            "page": page,
            "rows": page.object_list,
            "n_households": len(found),
            "n_residents": sum(len(r.residents) for r in found),
            "resident_topic": topic != FollowUpTopic.DIGITAL_ADDRESS,
            "may_assign": may_assign,
            "assignable": list(team.members.active()) if may_assign else [],
            "panels": panels.panels_for(village, request.user),
            "next": next_url,
        }
        return {
            "top": render_to_string("digital_teams/_followup_top.html", parts),
            "body": render_to_string("digital_teams/_followup_body.html", parts),
            "pager": render_to_string("digital_teams/_followup_pager.html", parts),
            "assign_form": may_assign and bool(found),
        }

    part = cached_part(
        "digital_teams:followup-page",
        village.commune_id,
        compute,
        village.pk,
        topic,
        q,
        page_number,
        may_assign,
        today.isoformat(),
        next_url,
    )
    context = {
        "village": village,
        "topic": topic,
        "villages": _villages_for_picker(request),
        "assign_form": part["assign_form"],
        # Rendered by our templates (escaped there); the token stays outside the cache.
        **{name: mark_safe(part[name]) for name in ("top", "body", "pager")},  # noqa: S308
    }
    return render(request, "digital_teams/followup_list.html", context)


@login_required
def followup_print(request: HttpRequest):
    context = _followup_context(request)
    context["today"] = timezone.localdate()
    return render(request, "digital_teams/followup_print.html", context)


@login_required
def followup_mine(request: HttpRequest):
    """The households assigned to the logged-in member, per topic, with who still misses it."""
    members = list(
        TeamMember.objects.for_user(request.user)
        .active()
        .filter(user=request.user)
        .select_related("team__village")
    )
    sections = []
    for member in members:
        topics = (
            FollowUpAssignment.objects.filter(member=member)
            .values_list("topic", flat=True)
            .distinct()
            .order_by("topic")
        )
        for topic in topics:
            rows = selectors.followup_rows(member.team.village, topic, member=member)
            sections.append(
                {
                    "member": member,
                    "village": member.team.village,
                    "topic": topic,
                    "topic_label": FollowUpTopic(topic).label,
                    "rows": rows,
                    "resident_topic": topic != FollowUpTopic.DIGITAL_ADDRESS,
                }
            )
    return render(
        request,
        "digital_teams/followup_mine.html",
        {"sections": sections, "is_member": bool(members)},
    )


@login_required
@require_POST
def followup_assign(request: HttpRequest):
    village = _village(request)
    _require_manage(request, village)
    topic = _topic(request)
    team = _team(village)
    back = f"{reverse('digital_teams:followup_list')}?village={village.pk}&topic={topic}"
    if team is None:
        raise Http404
    raw_member = request.POST.get("member", "")
    member = None
    if raw_member:
        member = get_for_user(team.members.active(), request.user, raw_member)
    try:
        ids = sorted({int(x) for x in request.POST.getlist("household")})
    except ValueError as exc:
        raise Http404 from exc
    households = list(
        Household.objects.for_user(request.user)
        .filter(village=village, pk__in=ids)
        .select_related("village")
    )
    if len(households) != len(ids):
        raise Http404  # a tampered or foreign household id
    if not households:
        messages.warning(request, _("Tick at least one household."))
        return redirect(back)
    services.followup_assign(households=households, member=member, topic=topic, user=request.user)
    if member is None:
        messages.success(request, _("The assignment was removed."))
    else:
        messages.success(
            request,
            _("%(n)d household(s) assigned to %(member)s.")
            % {"n": len(households), "member": member},
        )
    return redirect(back)


@login_required
def followup_visit(request: HttpRequest, pk: int):
    """Record a home visit for one household: the outcomes reached by each resident."""
    household = get_for_user(Household.objects.select_related("village__commune"), request.user, pk)
    village = household.village
    team = _team(village)
    if team is None:
        raise Http404
    topic = request.GET.get("topic") or request.POST.get("topic") or ""
    topic = topic if topic in FollowUpTopic.values else FollowUpTopic.VNEID_LEVEL2
    residents = list(
        Resident.objects.for_user(request.user)
        .filter(household=household, status=Resident.Status.PRESENT)
        .order_by("birth_date")
    )
    default_next = f"{reverse('digital_teams:followup_list')}?village={village.pk}&topic={topic}"
    back = _safe_next(request, default_next)
    me = selectors.member_for_user(team, request.user)
    form = HomeVisitForm(
        request.POST or None,
        team=team,
        residents=residents,
        initial={"members": [me] if me else []},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            activity = services.support_activity_record(
                team=team,
                user=request.user,
                date=data["date"],
                kind=SupportActivity.Kind.HOME_VISIT,
                residents=[r.pk for r in residents if r.pk in data["outcomes"]],
                outcomes=data["outcomes"],
                members=data["members"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            n = activity.changes.count()
            messages.success(
                request,
                _("Home visit recorded: %(n)d registry change(s) marked as assisted.") % {"n": n},
            )
            return redirect(back)
    return render(
        request,
        "digital_teams/visit_form.html",
        {
            "form": form,
            "household": household,
            "village": village,
            "team": team,
            "topic": topic,
            "next": back,
        },
    )
