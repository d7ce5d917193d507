from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import F, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.access import scope_for
from core.admin import ScopedModelAdmin
from core.admin_search import FoldedSearchMixin
from core.names import UserFullNameChangeForm, UserFullNameCreationForm, person_name

from .models import (
    Commune,
    CommunePredecessor,
    Membership,
    ProvinceMembership,
    Village,
    VillageAffiliation,
)
from .services import team_accounts_deactivate


class CommunePredecessorInline(admin.TabularInline):
    """Predecessors of a commune: written by the merger (villages.services.communes_merge), or
    typed by a superuser for the units a commune was formed from before the portal knew it."""

    model = CommunePredecessor
    fk_name = "successor"
    extra = 0
    fields = ["code", "name", "until", "decision", "predecessor"]
    readonly_fields = ["predecessor"]

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Commune)
class CommuneAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "province_name"]
    list_filter = ["province_name"]
    search_fields = ["code", "name", "province_name"]
    inlines = [CommunePredecessorInline]
    actions = ["merge_communes"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("merge_communes", None)
        return actions

    @admin.action(description=_("Merge the selected communes into another (preview first)"))
    def merge_communes(self, request, queryset):
        # The form with its preview lives on the province's pages (villages.change_views).
        communes = list(queryset.order_by("code"))
        query = "&".join(f"predecessor={c.pk}" for c in communes)
        url = reverse("units:commune_merge", args=[communes[0].province_code])
        return HttpResponseRedirect(f"{url}?{query}")

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is CommunePredecessor and formset.has_changed():
            # The commune's pages show the new history at once (their cache version moves).
            commune = form.instance
            commune.unit_changes = F("unit_changes") + 1
            commune.save(update_fields=["unit_changes"])

    def has_add_permission(self, request):
        # Communes come from the official list (load_communes), not from typing.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class VillageInline(admin.TabularInline):
    model = Village
    extra = 0
    fields = ["number", "name", "code"]
    readonly_fields = ["code"]


class VillageAffiliationInline(admin.TabularInline):
    """The communes a village belonged to, written by a move (read only here)."""

    model = VillageAffiliation
    extra = 0
    fields = ["commune", "code", "name", "valid_from", "valid_until", "decision"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Village)
class VillageAdmin(FoldedSearchMixin, ScopedModelAdmin):
    list_display = ["code", "name", "commune"]
    list_filter = ["commune"]
    search_fields = ["code"]
    folded_search_fields = ["search_key"]
    readonly_fields = ["code"]
    list_select_related = ["commune"]
    inlines = [VillageAffiliationInline]
    actions = ["move_village"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a village is a recorded change with its date and decision (the action below),
        # never a dropdown edit that would carry its history to the new commune.
        return ["code", "commune"] if obj is not None else ["code"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("move_village", None)
        return actions

    @admin.action(description=_("Move the selected village to another commune (preview first)"))
    def move_village(self, request, queryset):
        village = queryset.select_related("commune").first()
        if queryset.count() != 1:
            self.message_user(
                request, _("Select one village to move at a time."), level=messages.WARNING
            )
            return None
        url = reverse("units:village_move", args=[village.commune.province_code])
        return HttpResponseRedirect(f"{url}?village={village.pk}")


@admin.register(ProvinceMembership)
class ProvinceMembershipAdmin(admin.ModelAdmin):
    """Provincial office accounts: granted by a superuser only (a commune official must not
    widen anyone's reach to the whole province)."""

    list_display = ["user", "province_code"]
    list_filter = ["province_code"]
    search_fields = ["user__username", "province_code"]
    autocomplete_fields = ["user"]

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(ScopedModelAdmin):
    list_display = ["user", "role", "commune", "village", "account_active"]
    actions = ["deactivate_accounts", "reactivate_accounts"]
    list_filter = ["role", "commune"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "commune", "village"]

    @admin.display(description=_("account active"), boolean=True)
    def account_active(self, obj):
        return obj.user.is_active

    def _team_accounts(self, request, queryset):
        # Only digital-team accounts of the official's own villages; never officials or admins.
        return (
            get_user_model()
            .objects.filter(
                memberships__in=queryset.filter(role__in=["leader", "member"]),
                is_superuser=False,
                is_staff=False,
            )
            .distinct()
        )

    @admin.action(description=_("Deactivate the accounts of the selected team members"))
    def deactivate_accounts(self, request, queryset):
        # The same rule as "deactivate" on the team roster (villages.services): team accounts
        # only, logged out everywhere.
        count = team_accounts_deactivate(memberships=queryset)
        self.message_user(request, _("%(n)d account(s) deactivated.") % {"n": count})

    @admin.action(description=_("Reactivate the accounts of the selected team members"))
    def reactivate_accounts(self, request, queryset):
        count = self._team_accounts(request, queryset).update(is_active=True)
        self.message_user(request, _("%(n)d account(s) reactivated.") % {"n": count})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user" and not request.user.is_superuser:
            # An official may give roles to new accounts or to people of their own communes,
            # never see the accounts of another commune.
            scope = scope_for(request.user)
            field.queryset = field.queryset.filter(
                Q(memberships__isnull=True)
                | Q(memberships__commune_id__in=scope.official_commune_ids),
                is_superuser=False,
            ).distinct()
        return field


# --- Village assets (issue 3) ---------------------------------------------------------------
from django import forms  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402

from .models import VillageAsset  # noqa: E402


class VillageAssetAdminForm(forms.ModelForm):
    class Meta:
        model = VillageAsset
        fields = [
            "village", "kind", "name", "at_cultural_house", "owner", "owner_household",
            "connected", "status", "installed_on", "latitude", "longitude", "note",
        ]  # fmt: skip

    def clean(self):
        data = super().clean()
        household, village = data.get("owner_household"), data.get("village")
        if household is not None and village is not None and household.village_id != village.pk:
            self.add_error("owner_household", _("The owner household must be of this village."))
        return data


@admin.register(VillageAsset)
class VillageAssetAdmin(FoldedSearchMixin, ScopedModelAdmin):
    form = VillageAssetAdminForm
    list_display = ["name", "kind", "village", "owner", "owner_household", "connected", "status"]
    list_filter = ["kind", "status", "owner", "connected", "at_cultural_house", "village"]
    search_fields = ["name", "owner_household__number"]
    folded_search_fields = ["village__search_key"]
    list_select_related = ["village", "owner_household"]
    autocomplete_fields = ["owner_household"]
    fields = [
        "village", "kind", "name", "at_cultural_house", "owner", "owner_household", "connected",
        "status", "installed_on", "latitude", "longitude", "note",
    ]  # fmt: skip


# --- Users: one "Họ và tên" field, shown family name first (core.names) -----------------------
User = get_user_model()


class VietnameseNameUserAdmin(DjangoUserAdmin):
    form = UserFullNameChangeForm
    add_form = UserFullNameCreationForm
    list_display = ["username", "display_name", "email", "is_staff", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal info"), {"fields": ["full_name", "email"]}),
        *[fs for fs in DjangoUserAdmin.fieldsets if fs[0] not in (None, _("Personal info"))],
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "full_name", "usable_password", "password1", "password2"],
            },
        )
    ]

    @admin.display(description=_("Full name (family name first)"), ordering="last_name")
    def display_name(self, obj):
        return person_name(obj) if (obj.first_name or obj.last_name) else ""


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, VietnameseNameUserAdmin)
