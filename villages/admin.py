from django.contrib import admin
from django.db.models import Q

from core.access import scope_for
from core.admin import ScopedModelAdmin

from .models import Commune, Membership, Village


@admin.register(Commune)
class CommuneAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "province_name"]
    list_filter = ["province_name"]
    search_fields = ["code", "name", "province_name"]

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


@admin.register(Village)
class VillageAdmin(ScopedModelAdmin):
    list_display = ["code", "name", "commune"]
    list_filter = ["commune"]
    search_fields = ["code", "name"]
    readonly_fields = ["code"]
    list_select_related = ["commune"]


@admin.register(Membership)
class MembershipAdmin(ScopedModelAdmin):
    list_display = ["user", "role", "commune", "village"]
    list_filter = ["role", "commune"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "commune", "village"]

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
