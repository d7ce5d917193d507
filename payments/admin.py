from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ScopedModelAdmin

from .fields import format_vnd
from .forms import CashlessReportAdminForm
from .models import CashlessReport


def _percent(value) -> str:
    from decimal import Decimal

    from criteria.formatting import format_value  # the portal's one percent format: "85,8%"

    return format_value(
        None if value is None else Decimal(str(round(float(value) * 100, 1))), "percent"
    )


@admin.register(CashlessReport)
class CashlessReportAdmin(ScopedModelAdmin):
    form = CashlessReportAdminForm
    list_display = [
        "period_display",
        "commune",
        "village",
        "category",
        "payers_share_display",
        "amount_share_display",
        "amount_total_display",
        "source",
    ]
    list_filter = ["category", "period", "source", ("village", admin.EmptyFieldListFilter)]
    list_select_related = ["commune", "village"]
    search_fields = ["village__name", "village__code", "note"]
    date_hierarchy = "period"
    readonly_fields = ["entered_by", "created_at", "updated_at"]

    @admin.display(description=_("month"), ordering="period")
    def period_display(self, obj):
        return f"{obj.period:%m/%Y}"

    @admin.display(description=_("share by payers"))
    def payers_share_display(self, obj):
        return _percent(obj.payers_share)

    @admin.display(description=_("share by value"))
    def amount_share_display(self, obj):
        return _percent(obj.amount_share)

    @admin.display(description=_("amount (total, VND)"), ordering="amount_total")
    def amount_total_display(self, obj):
        return format_vnd(obj.amount_total)

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)
