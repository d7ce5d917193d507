"""System accounts in the admin: an official names a system for one of their communes, the key
is shown once; revoke keeps the row as history (docs/decisions.md 29)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ScopedModelAdmin

from . import services
from .models import SystemAccount


@admin.register(SystemAccount)
class SystemAccountAdmin(ScopedModelAdmin):
    list_display = ["name", "commune", "key_shown", "created_by", "created_at", "last_used_at",
                    "revoked_at"]  # fmt: skip
    list_filter = ["commune"]
    search_fields = ["name"]
    fields = ["name", "commune", "key_shown", "created_by", "created_at", "last_used_at",
              "revoked_at"]  # fmt: skip
    readonly_fields = ["key_shown", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["name", "commune"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        # The commune is chosen once: changing it would move the token's scope.
        return [] if obj is None else ["commune", *self.readonly_fields]

    @admin.display(description=_("key"))
    def key_shown(self, obj) -> str:
        return f"{obj.key_prefix}…" if obj.key_prefix else ""

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row stays as history

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        account, key = services.create_system_account(
            name=obj.name, commune=obj.commune, created_by=request.user
        )
        obj.pk = account.pk
        obj.__dict__.update(account.__dict__)
        messages.warning(
            request,
            _(
                "The key of “%(name)s” is %(key)s. Copy it now into the system's settings: "
                "it is shown only this once."
            )
            % {"name": account.name, "key": key},
        )

    @admin.action(description=_("Revoke the selected system accounts"), permissions=["change"])
    def revoke(self, request, queryset):
        accounts = list(queryset.filter(revoked_at__isnull=True))
        for account in accounts:
            services.revoke(account)
        self.message_user(
            request,
            ngettext(
                "%(count)d system account revoked: its key no longer works.",
                "%(count)d system accounts revoked: their keys no longer work.",
                len(accounts),
            )
            % {"count": len(accounts)},
            messages.SUCCESS,
        )
