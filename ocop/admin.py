"""Officials' admin for OCOP: producers, products, stamp batches, stamps, scan statistics."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin import ScopedModelAdmin
from core.admin_search import FoldedSearchMixin

from . import labels, services
from .models import (
    SUSPICIOUS_CLIENTS,
    SUSPICIOUS_SCANS,
    Producer,
    Product,
    Stamp,
    StampBatch,
    StampScan,
)

JOB_WAITING = _(
    "The background job service is not reachable right now. The batch is saved and waits in "
    "the queue; its labels are rendered as soon as the service is back."
)


@admin.register(Producer)
class ProducerAdmin(FoldedSearchMixin, ScopedModelAdmin):
    list_display = ("name", "kind", "village", "representative", "phone")
    list_filter = ("kind", ("village", admin.RelatedOnlyFieldListFilter))
    search_fields = ("business_registration_number",)
    folded_search_fields = ("search_key",)
    list_select_related = ("village",)


@admin.register(Product)
class ProductAdmin(FoldedSearchMixin, ScopedModelAdmin):
    list_display = (
        "name",
        "producer",
        "group",
        "score",
        "stars_display",
        "certificate_expires_on",
        "certificate_state",
        "is_public",
    )
    list_filter = ("group", "stars", "is_public", ("producer", admin.RelatedOnlyFieldListFilter))
    search_fields = ("certificate_number", "gtin")
    folded_search_fields = ("search_key", "producer__search_key")
    list_select_related = ("producer",)
    readonly_fields = ("stars_display", "thumbnail_preview")
    fieldsets = (
        (None, {"fields": ("producer", "name", "group", "subgroup", "description", "is_public")}),
        (_("Rating"), {"fields": ("score", "stars_display")}),
        (
            _("Certificate"),
            {
                "fields": (
                    "certificate_number",
                    "certificate_issued_on",
                    "certificate_expires_on",
                    "certificate_decision_number",
                    "certificate_decision_date",
                    "certificate_authority",
                )
            },
        ),
        (
            _("Trade"),
            {"fields": ("gtin", "standards", "sales_links", "photo", "thumbnail_preview")},
        ),
    )

    @admin.display(description=_("stars"), ordering="stars")
    def stars_display(self, obj):
        return obj.star_symbols or _("not rated") if obj.pk else "–"

    @admin.display(description=_("certificate"))
    def certificate_state(self, obj):
        if not obj.certificate_expires_on:
            return "–"
        if obj.certificate_expired():
            return format_html('<strong class="ocop-expired">{}</strong>', _("expired"))
        return _("valid")

    @admin.display(description=_("thumbnail"))
    def thumbnail_preview(self, obj):
        if obj and obj.thumbnail:
            return format_html('<img src="{}" alt="" width="160">', obj.thumbnail.url)
        return "–"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "photo" in form.changed_data:
            services.product_refresh_thumbnail(product=obj)

    def get_urls(self):
        return [
            path(
                "statistics/",
                self.admin_site.admin_view(self.statistics_view),
                name="ocop_product_statistics",
            )
        ] + super().get_urls()

    def statistics_view(self, request):
        """Scans per product and the suspicious stamps, for the official's communes only."""
        if not self.has_view_permission(request):
            raise Http404
        since = timezone.now() - dt.timedelta(days=30)

        def per_product(queryset, aggregate):
            return Coalesce(
                Subquery(
                    queryset.values("group_key").annotate(v=aggregate).values("v")[:1],
                    output_field=IntegerField(),
                ),
                0,
            )

        stamps = Stamp.objects.filter(batch__product=OuterRef("pk")).annotate(
            group_key=Coalesce("batch__product_id", 0)
        )
        scans = StampScan.objects.filter(stamp__batch__product=OuterRef("pk")).annotate(
            group_key=Coalesce("stamp__batch__product_id", 0)
        )
        products = (
            Product.objects.for_user(request.user)
            .select_related("producer")
            .annotate(
                stamps_total=per_product(stamps, Count("pk")),
                stamps_scanned=per_product(stamps.filter(scan_count__gt=0), Count("pk")),
                scans_total=per_product(stamps, Sum("scan_count")),
                scans_recent=per_product(scans.filter(scanned_at__gte=since), Count("pk")),
            )
            .order_by("-scans_total", "name")
        )
        suspicious = (
            Stamp.objects.for_user(request.user)
            .suspicious()
            .select_related("batch__product")
            .order_by("-scan_count")[:200]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("E-stamp scan statistics"),
            "products": products,
            "suspicious": suspicious,
            "suspicious_clients": SUSPICIOUS_CLIENTS,
            "suspicious_scans": SUSPICIOUS_SCANS,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "ocop/admin/statistics.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "statistics_url": reverse("admin:ocop_product_statistics"),
        }
        return super().changelist_view(request, extra_context)

    change_list_template = "ocop/admin/product_change_list.html"


@admin.register(StampBatch)
class StampBatchAdmin(FoldedSearchMixin, ScopedModelAdmin):
    list_display = (
        "lot_code",
        "product",
        "quantity",
        "status_display",
        "progress_display",
        "downloads",
        "created_at",
    )
    list_filter = ("status", ("product", admin.RelatedOnlyFieldListFilter))
    search_fields = ("lot_code",)
    folded_search_fields = ("product__search_key",)
    list_select_related = ("product",)
    actions = ("retry_batches", "revoke_batches")
    fields = ("product", "lot_code", "produced_on", "best_before", "quantity")
    change_fields = (
        "product",
        "lot_code",
        "produced_on",
        "best_before",
        "quantity",
        "status_display",
        "progress_display",
        "error",
        "attempts",
        "rendered_at",
        "revoked_at",
        "created_by",
        "created_at",
        "downloads",
    )

    class Media:
        js = ("ocop/admin_batches.js",)
        css = {"all": ("ocop/ocop.css",)}

    def get_fields(self, request, obj=None):
        return self.change_fields if obj else self.fields

    def get_readonly_fields(self, request, obj=None):
        # A batch is fixed once created: its stamps may already be printed.
        return self.change_fields if obj else ()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Every field is read-only once created: no Save buttons that could change nothing.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "product":
            field.queryset = field.queryset.rated()
        return field

    def has_delete_permission(self, request, obj=None):
        # Printed stamps must keep answering: revoke instead of deleting.
        if obj is not None and (obj.status != StampBatch.Status.FAILED or obj.stamps.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            services.stamp_batch_schedule_render(
                batch=obj,
                on_waiting=lambda: self.message_user(request, JOB_WAITING, messages.WARNING),
            )

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj):
        if obj.is_revoked:
            return format_html('<strong class="ocop-revoked">{}</strong>', _("revoked"))
        css = "ocop-rendering" if obj.status in ("queued", "rendering") else f"ocop-{obj.status}"
        label = obj.get_status_display()
        if obj.status == StampBatch.Status.RENDERING and (
            obj.heartbeat_at is None or obj.heartbeat_at < services.stale_before()
        ):
            # Its worker stopped answering: it is sent again automatically within a minute,
            # and "Render again" is accepted now.
            return format_html('<span class="ocop-failed">{}</span>', _("Stalled: render again"))
        if obj.status == StampBatch.Status.FAILED and obj.error:
            return format_html('<span class="{}" title="{}">{}</span>', css, obj.error, label)
        return format_html('<span class="{}">{}</span>', css, label)

    @admin.display(description=_("progress"))
    def progress_display(self, obj):
        return format_html(
            '<progress class="ocop-progress" max="100" value="{}"></progress> {}%',
            obj.progress_percent,
            obj.progress_percent,
        )

    @admin.display(description=_("files"))
    def downloads(self, obj):
        if obj.status != StampBatch.Status.READY or not obj.pdf_file:
            return "–"
        return format_html(
            '<a href="{}">PDF</a> · <a href="{}">ZIP (PNG)</a>',
            reverse("ocop:batch_file", args=[obj.pk, "pdf"]),
            reverse("ocop:batch_file", args=[obj.pk, "zip"]),
        )

    @admin.action(description=_("Render again (failed or stuck batches)"), permissions=["change"])
    def retry_batches(self, request, queryset):
        done = sum(services.stamp_batch_retry(batch=batch) for batch in queryset)
        skipped = queryset.count() - done
        self.message_user(
            request,
            ngettext("%(n)d batch queued again.", "%(n)d batches queued again.", done)
            % {"n": done},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(n)d batch was not retried: only failed or stuck batches are.",
                    "%(n)d batches were not retried: only failed or stuck batches are.",
                    skipped,
                )
                % {"n": skipped},
                messages.WARNING,
            )

    @admin.action(description=_("Revoke every stamp of the batch"), permissions=["change"])
    def revoke_batches(self, request, queryset):
        count = sum(services.stamp_batch_revoke(batch=batch) for batch in queryset)
        self.message_user(
            request,
            ngettext("%(n)d stamp revoked.", "%(n)d stamps revoked.", count) % {"n": count},
            messages.SUCCESS,
        )


class SuspiciousFilter(admin.SimpleListFilter):
    title = _("suspicious")
    parameter_name = "suspicious"

    def lookups(self, request, model_admin):
        return [("yes", _("Suspicious (many places or many scans)"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.suspicious()
        return queryset


@admin.register(Stamp)
class StampAdmin(ScopedModelAdmin):
    list_display = (
        "serial",
        "batch",
        "sequence",
        "revoked",
        "scan_count",
        "first_scan_at",
        "last_scan_at",
    )
    list_filter = ("revoked", SuspiciousFilter, "batch__status")
    search_fields = ("=serial", "batch__lot_code")
    list_select_related = ("batch__product",)
    actions = ("revoke_stamps", "restore_stamps")
    readonly_fields = (
        "serial",
        "batch",
        "sequence",
        "revoked",
        "scan_count",
        "first_scan_at",
        "last_scan_at",
        "qr_png",
        "recent_scans",
    )
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.strip().upper())

    @admin.display(description=_("QR code"))
    def qr_png(self, obj):
        return format_html(
            '<a href="{}">PNG</a> · <a href="{}" rel="noopener">{}</a>',
            reverse("admin:ocop_stamp_png", args=[obj.pk]),
            reverse("ocop:stamp_public", args=[obj.serial]),
            _("public page (counts as a scan)"),
        )

    @admin.display(description=_("recent scans"))
    def recent_scans(self, obj):
        rows = obj.scans.order_by("-scanned_at")[:20]
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} · {} · {}</li>",
                (
                    (
                        timezone.localtime(s.scanned_at).strftime("%d/%m/%Y %H:%M"),
                        s.get_ua_family_display(),
                        s.client_hash[:8],
                    )
                    for s in rows
                ),
            ),
        )

    @admin.action(description=_("Revoke the selected stamps"), permissions=["change"])
    def revoke_stamps(self, request, queryset):
        count = services.stamps_set_revoked(stamps=queryset, revoked=True)
        self.message_user(
            request,
            ngettext("%(n)d stamp revoked.", "%(n)d stamps revoked.", count) % {"n": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Restore the selected stamps"), permissions=["change"])
    def restore_stamps(self, request, queryset):
        count = services.stamps_set_revoked(stamps=queryset, revoked=False)
        self.message_user(
            request,
            ngettext("%(n)d stamp restored.", "%(n)d stamps restored.", count) % {"n": count},
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/png/",
                self.admin_site.admin_view(self.png_view),
                name="ocop_stamp_png",
            )
        ] + super().get_urls()

    def png_view(self, request, pk: int):
        stamp = self.get_queryset(request).filter(pk=pk).first()
        if stamp is None or not self.has_view_permission(request, stamp):
            raise Http404
        png = labels.png_bytes(labels.qr_matrix(stamp.url))
        response = HttpResponse(png, content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="{stamp.serial}.png"'
        return response
