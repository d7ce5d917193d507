"""Admin for officials: teams with members, activities, assisted changes (read-only), assignments.

Every queryset and dropdown is limited to the official's communes by core.admin.
"""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.access import get_for_user
from core.admin import ScopedAdminMixin, ScopedModelAdmin
from core.admin_search import FoldedSearchMixin

from . import selectors
from .models import AssistedChange, DigitalTeam, FollowUpAssignment, SupportActivity, TeamMember


class TeamMemberInline(ScopedAdminMixin, admin.StackedInline):  # labelled fields
    model = TeamMember
    extra = 0
    fields = ["full_name", "role", "position", "phone", "user", "active_from", "active_to"]
    raw_id_fields = ["user"]


@admin.register(DigitalTeam)
class DigitalTeamAdmin(FoldedSearchMixin, ScopedModelAdmin):
    list_display = ["village", "decision_number", "decision_date", "founded_on", "dashboard_link"]
    list_filter = ["village__commune"]
    search_fields = ["village__code", "decision_number"]
    folded_search_fields = ["village__search_key", "members__search_key"]
    inlines = [TeamMemberInline]
    list_select_related = ["village"]

    @admin.display(description=_("dashboard"))
    def dashboard_link(self, obj):
        url = reverse("admin:digital_teams_digitalteam_dashboard", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open"))

    def get_urls(self):
        extra = [
            path(
                "<int:pk>/dashboard/",
                self.admin_site.admin_view(self.dashboard_view),
                name="digital_teams_digitalteam_dashboard",
            )
        ]
        return extra + super().get_urls()

    def dashboard_view(self, request, pk: int):
        team = get_for_user(
            DigitalTeam.objects.select_related("village__commune"), request.user, pk
        )
        if not self.has_view_permission(request, team):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "team": team,
            "dash": selectors.team_dashboard(team),
            "title": _("Team dashboard"),
        }
        return TemplateResponse(request, "admin/digital_teams/dashboard.html", context)


class AssistedChangeInline(ScopedAdminMixin, admin.StackedInline):  # labelled fields
    model = AssistedChange
    extra = 0
    fields = ["resident", "field", "old_value", "new_value", "changed_by", "changed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SupportActivity)
class SupportActivityAdmin(ScopedModelAdmin):
    list_display = ["date", "kind", "team", "participants", "recorded_by"]
    list_filter = [
        "kind",
        "team__village__commune",
        "topic_vneid",
        "topic_epayment",
        "topic_documents",
        "topic_digital_address",
    ]
    date_hierarchy = "date"
    list_select_related = ["team__village", "recorded_by"]
    raw_id_fields = ["residents"]
    # A plain labelled multiple select: Django's two-box widget has English-only JavaScript
    # texts and an ARIA error (tests/e2e/test_audit.py); a team has a handful of members.
    readonly_fields = ["recorded_by", "recorded_at"]
    inlines = [AssistedChangeInline]

    def save_model(self, request, obj, form, change):
        if not change and obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(AssistedChange)
class AssistedChangeAdmin(FoldedSearchMixin, ScopedModelAdmin):
    """Read-only: assisted changes are written by digital_teams.services only."""

    list_display = ["changed_at", "resident", "field", "old_value", "new_value", "changed_by"]
    list_filter = ["field", "activity__team__village__commune"]
    list_select_related = ["resident", "changed_by"]
    search_fields = ["resident__household__number"]
    folded_search_fields = ["resident__search_key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FollowUpAssignment)
class FollowUpAssignmentAdmin(ScopedModelAdmin):
    list_display = ["household", "topic", "member", "assigned_by", "assigned_at"]
    list_filter = ["topic", "household__village"]
    list_select_related = ["household__village", "member", "assigned_by"]
    raw_id_fields = ["household"]
    readonly_fields = ["assigned_by", "assigned_at"]

    def save_model(self, request, obj, form, change):
        obj.assigned_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(TeamMember)
class TeamMemberAdmin(FoldedSearchMixin, ScopedModelAdmin):
    list_display = ["full_name", "team", "role", "position", "active_from", "active_to"]
    list_filter = ["role", "position", "team__village__commune"]
    search_fields = ["phone"]
    folded_search_fields = ["search_key"]
    list_select_related = ["team__village"]
    raw_id_fields = ["user"]
