"""Admin wiring shared by every app: scoping through core.access, and the site's branding."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from core.access import scope_for
from core.forms import harden
from core.integrity import DoubleSubmitAdminMixin

admin.site.site_header = _("Smart village portal")
admin.site.site_title = _("Smart village portal")
admin.site.index_title = _("Commune administration")
admin.site.index_template = "admin/sv_index.html"
# Django's own Vietnamese admin catalogue lacks the title prefix of a form with errors
# ("Error: Add ..."): the project catalogue, read first, supplies it.
gettext_noop("Error:")


def _limit_to_user(queryset, user):
    """The rows of a choice list the user may see; a model without a scope is offered as is
    (users, groups: not commune data)."""
    return queryset.for_user(user) if hasattr(queryset, "for_user") else queryset


def _scoped(queryset, user):
    """The admin's own rows: a model without `for_user` is refused, never shown whole."""
    if not hasattr(queryset, "for_user"):
        raise ImproperlyConfigured(
            f"{queryset.model._meta.label} has no for_user(): a scoped admin needs a scope "
            "(core.access.ScopedQuerySet)."
        )
    return queryset.for_user(user)


class ScopedRelatedFieldListFilter(admin.RelatedOnlyFieldListFilter):
    """A sidebar filter on a relation listing only what the user may see.

    Choices are the related rows used by the rows of the user's (scoped) changelist that are
    themselves in the user's scope: an official of another commune never sees these names.
    """

    def field_choices(self, field, request, model_admin):
        used = (
            model_admin.get_queryset(request)
            .distinct()
            .values_list(f"{self.field_path}__pk", flat=True)
        )
        limit = Q(pk__in=used)
        related = field.related_model._default_manager.all()
        if hasattr(related, "for_user"):
            limit &= Q(pk__in=related.for_user(request.user).values("pk"))
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, limit_choices_to=limit, ordering=ordering)


def scoped_list_filter(model, item):
    """`item` of a list_filter, with relation filters replaced by the scoped one."""
    if isinstance(item, str):
        try:
            last = get_fields_from_path(model, item)[-1]
        except (FieldDoesNotExist, LookupError):
            return item
        return (item, ScopedRelatedFieldListFilter) if last.is_relation else item
    if isinstance(item, (list, tuple)) and len(item) == 2:
        name, filter_class = item
        if isinstance(filter_class, type) and issubclass(
            filter_class, admin.RelatedFieldListFilter
        ):
            return (name, ScopedRelatedFieldListFilter)
    return item


class ScopedAdminMixin(DoubleSubmitAdminMixin):
    """Officials see and change only their communes' rows, and no dropdown offers others.

    Works for ModelAdmin and inlines: the queryset, the per-object permissions and the choices
    of every foreign key / many-to-many all go through `for_user`.
    """

    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request.user)

    def get_list_filter(self, request):
        return [scoped_list_filter(self.model, item) for item in super().get_list_filter(request)]

    def _in_scope(self, request, obj) -> bool:
        if obj is None or obj.pk is None:
            return True
        model = type(obj)
        return _scoped(model._default_manager.filter(pk=obj.pk), request.user).exists()

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
