"""Admin wiring shared by every app: scoping through core.access, and the site's branding."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.access import scope_for
from core.forms import harden

admin.site.site_header = _("Smart village portal")
admin.site.site_title = _("Smart village portal")
admin.site.index_title = _("Commune administration")
admin.site.index_template = "admin/sv_index.html"


def _limit_to_user(queryset, user):
    return queryset.for_user(user) if hasattr(queryset, "for_user") else queryset


class ScopedAdminMixin:
    """Officials see and change only their communes' rows, and no dropdown offers others.

    Works for ModelAdmin and inlines: the queryset, the per-object permissions and the choices
    of every foreign key / many-to-many all go through `for_user`.
    """

    def get_queryset(self, request):
        return _limit_to_user(super().get_queryset(request), request.user)

    def _in_scope(self, request, obj) -> bool:
        if obj is None or obj.pk is None:
            return True
        model = type(obj)
        return _limit_to_user(model._default_manager.filter(pk=obj.pk), request.user).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def has_module_permission(self, request):
        scope = scope_for(request.user)
        return super().has_module_permission(request) and scope.is_official

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _limit_to_user(field.queryset, request.user)
        return harden(field)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = _limit_to_user(field.queryset, request.user)
        return harden(field)


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass
