"""Officials' admin: scoped lists with filters and search, residents inline, read-only history,
Excel export with masked IDs, and a recorded full export."""

from __future__ import annotations

from io import BytesIO

import tablib
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin
from import_export.formats.base_formats import XLSX
from openpyxl import Workbook
from simple_history.admin import SimpleHistoryAdmin

from core.access import scope_for
from core.admin import ScopedAdminMixin, ScopedModelAdmin
from core.admin_search import FoldedSearchMixin
from core.exports import safe_cell
from core.integrity import duplicate_message
from core.text import ascii_digits

from . import crypto, services
from .forms import ResidentForm, confirm_duplicate_field
from .models import DigitalAddress, ExportAudit, Household, HouseholdImport, Resident
from .resources import HouseholdResource, ResidentResource
from .services import resident_may_delete, resident_merge


def _audit(request, *, model: str, rows: int, full: bool, description: str = "") -> None:
    scope = scope_for(request.user)
    commune_id = min(scope.official_commune_ids) if scope.official_commune_ids else None
    ExportAudit.objects.create(
        user=request.user,
        commune_id=commune_id,
        model=model,
        rows=rows,
        full_ids=full,
        description=description[:300],
    )


class SafeXLSX(XLSX):
    """XLSX whose text cells cannot run as formulas nor break the file (core.exports)."""

    def export_data(self, dataset, **kwargs):
        safe = tablib.Dataset(
            *[tuple(safe_cell(v) for v in row) for row in dataset],
            headers=[safe_cell(h) for h in dataset.headers or []],
        )
        return super().export_data(safe, **kwargs)


class AuditedExportMixin(ExportMixin):
    """The import-export Excel export (masked IDs), recorded in the export log."""

    export_formats = [SafeXLSX]

    def get_export_data(self, file_format, request, queryset, **kwargs):
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        _audit(
            request,
            model=str(self.model._meta.verbose_name_plural),
            rows=queryset.count(),
            full=False,
            description=request.GET.urlencode()[:300],
        )
        return data


class HistoryReadOnlyMixin:
    """History is for reading: who changed what, when. No revert from the admin."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


def hidden_version_field() -> forms.IntegerField:
    """The version the admin page was opened with, posted back (declared on the form class so
    that the admin renders it; not named `version`, a field the admin may not edit)."""
    return forms.IntegerField(widget=forms.HiddenInput, required=False)


class ServicesSaveMixin:
    """Admin saves go through households.services (the version rule, the head rule, the status
    date): a change form opened before someone else saved the record is refused with a message
    and shows the current version, never overwrites it silently."""

    def _expected_version(self, form, obj) -> int:
        value = form.cleaned_data.get("seen_version")
        return obj.version if value is None else value

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.StaleEditError as exc:  # the admin's transaction is rolled back
            self.message_user(
                request,
                gettext(
                    "Someone else saved this record while you were editing it (your version: "
                    "%(yours)s, current version: %(current)s). Your changes were NOT saved: "
                    "the page shows the current version, apply your changes again."
                )
                % {"yours": exc.yours, "current": exc.current_version},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
        except services.DuplicateHouseholdError as exc:  # a double submit raced past the form
            self.message_user(request, duplicate_message(exc.existing), messages.WARNING)
            return HttpResponseRedirect(
                reverse("admin:households_household_change", args=[exc.existing.pk])
            )
        except ValidationError as exc:  # a rule of the services the form did not show first
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


def full_id_workbook(residents) -> tuple[bytes, int]:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "residents"
    titles = [_("Village"), _("Household"), _("Full name"), _("Relation to head"),
              _("Birth date"), _("Sex"), _("Personal ID number"), _("Old 9-digit ID")]  # fmt: skip
    sheet.append([safe_cell(str(t)) for t in titles])
    rows = 0
    for r in residents:
        sheet.append(
            [safe_cell(v) for v in (
                r.household.village.name, r.household.number, r.full_name,
                r.get_relation_display(), r.birth_date, r.get_sex_display(), r.get_id_number(),
                r.get_legacy_id(),
            )]
        )  # fmt: skip
        rows += 1
    out = BytesIO()
    workbook.save(out)
    return out.getvalue(), rows


def _full_export_response(request, residents, description: str) -> HttpResponse:
    if not request.user.has_perm("households.export_full_id"):
        raise PermissionDenied
    content, rows = full_id_workbook(residents)
    _audit(
        request,
        model=str(Resident._meta.verbose_name_plural),
        rows=rows,
        full=True,
        description=description,
    )
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cu-dan-day-du-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


class HeadInlineFormSet(BaseInlineFormSet):
    """Exactly one head among the residents kept in the household (services.head_rule_error)."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows, removed = [], set()
        for f in self.forms:
            if not f.cleaned_data:
                continue
            if f.cleaned_data.get("DELETE"):
                if f.instance.pk:
                    removed.add(f.instance.pk)
            elif f.instance.pk or f.has_changed():
                rows.append((f.instance.pk, f.cleaned_data.get("relation")))
        message = services.head_rule_error(
            stored=services.stored_heads(self.instance.pk), rows=rows, removed=removed
        )
        if message:
            raise ValidationError(message)


class DigitalAddressPresentFilter(admin.EmptyFieldListFilter):
    """Has a digital address or not, titled in words (Django used the relation's name)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = DigitalAddress._meta.verbose_name


class ResidentInline(ScopedAdminMixin, admin.StackedInline):  # labelled fields (a tabular
    # inline has none: axe "label"/"select-name", critical, in tests/e2e/test_audit.py)
    model = Resident
    formset = HeadInlineFormSet
    extra = 0
    fields = [
        "full_name", "relation", "birth_date", "sex", "id_number_masked", "status",
        "vneid_level", "has_epayment", "has_smartphone",
    ]  # fmt: skip
    readonly_fields = ["id_number_masked"]
    show_change_link = True


class DigitalAddressInline(ScopedAdminMixin, admin.StackedInline):
    model = DigitalAddress
    extra = 0
    fields = [
        "location_code", "postcode", "latitude", "longitude", "source", "collected_by",
        "collected_on", "verified_by", "verified_on", "plate_installed",
    ]  # fmt: skip
    raw_id_fields = ["collected_by", "verified_by"]


class HouseholdAdminForm(forms.ModelForm):
    seen_version = hidden_version_field()

    class Meta:
        model = Household
        fields = ["village", "number", "house_no", "lane", "phone", "has_fibre", "has_4g", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version


class DigitalAddressAdminForm(HouseholdAdminForm):
    class Meta:
        model = DigitalAddress
        fields = [
            "household", "location_code", "postcode", "latitude", "longitude", "source",
            "collected_by", "collected_on", "verified_by", "verified_on", "plate_installed",
        ]  # fmt: skip


@admin.register(Household)
class HouseholdAdmin(
    FoldedSearchMixin,
    ScopedAdminMixin,
    ServicesSaveMixin,
    HistoryReadOnlyMixin,
    AuditedExportMixin,
    SimpleHistoryAdmin,
):
    resource_classes = [HouseholdResource]
    list_display = ["number", "village", "house_no", "lane", "has_fibre", "has_4g", "version"]
    list_filter = [
        "village",
        "has_fibre",
        "has_4g",
        ("digital_address", DigitalAddressPresentFilter),
    ]
    search_fields = ["number", "house_no"]
    folded_search_fields = ["search_key", "residents__search_key"]
    list_select_related = ["village"]
    form = HouseholdAdminForm
    inlines = [ResidentInline, DigitalAddressInline]
    readonly_fields = ["created_at", "updated_at"]  # the version: in the list, posted hidden
    actions = ["export_full_ids"]

    def save_model(self, request, obj, form, change):
        if change:
            services.household_update(
                household=obj, expected_version=self._expected_version(form, obj), user=request.user
            )
        else:
            services.household_create(household=obj, residents=[], user=request.user)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        if formset.model is Resident:
            services.household_residents_save(
                household=form.instance,
                residents=instances,
                removed=list(formset.deleted_objects),
                user=request.user,
            )
            return
        for address in formset.deleted_objects:
            address._history_user = request.user
            address.delete()
        for address in instances:
            services.address_save(
                address=address,
                user=request.user,
                expected_version=address.version if address.pk else None,
            )

    @admin.action(
        description=_("Export residents with full ID numbers (recorded)"),
        permissions=["export_full"],
    )
    def export_full_ids(self, request, queryset):
        residents = (
            Resident.objects.for_user(request.user)
            .filter(household__in=queryset)
            .select_related("household__village")
        )
        return _full_export_response(
            request, residents, gettext("residents of %(n)s households") % {"n": queryset.count()}
        )

    def has_export_full_permission(self, request):
        return request.user.has_perm("households.export_full_id")


class ResidentAdminForm(ResidentForm):
    # Declared, so that the admin shows it; required only when a possible duplicate is found.
    confirm_duplicate = confirm_duplicate_field()
    seen_version = hidden_version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version

    class Meta(ResidentForm.Meta):
        fields = ["household", *ResidentForm.Meta.fields]


@admin.register(Resident)
class ResidentAdmin(
    FoldedSearchMixin,
    ScopedAdminMixin,
    ServicesSaveMixin,
    HistoryReadOnlyMixin,
    AuditedExportMixin,
    SimpleHistoryAdmin,
):
    resource_classes = [ResidentResource]
    form = ResidentAdminForm
    list_display = [
        "full_name", "household", "relation", "birth_date", "id_number_masked", "status",
        "vneid_level", "has_epayment", "has_smartphone",
    ]  # fmt: skip
    list_filter = [
        "household__village", "status", "vneid_level", "has_epayment", "has_smartphone",
        "uses_online_services", "sex", "relation",
    ]  # fmt: skip
    search_fields = ["id_number_tail", "household__number"]
    folded_search_fields = ["search_key"]
    list_select_related = ["household__village"]
    autocomplete_fields = ["household"]
    actions = ["export_full_ids", "merge_residents"]

    def save_model(self, request, obj, form, change):
        services.resident_save(
            resident=obj,
            user=request.user,
            expected_version=self._expected_version(form, obj) if change else None,
        )

    @admin.action(
        description=_("Merge residents entered twice (keeps history)"),
        permissions=["delete"],
    )
    def merge_residents(self, request, queryset):
        residents = list(queryset.select_related("household__village"))
        if len(residents) < 2:
            self.message_user(
                request, gettext("Select at least two residents to merge."), messages.WARNING
            )
            return None
        if len({r.household.village.commune_id for r in residents}) > 1:
            self.message_user(
                request,
                gettext("Only residents of the same commune can be merged."),
                messages.ERROR,
            )
            return None
        keep_pk = request.POST.get("keep")
        if request.POST.get("post") == "yes" and keep_pk:
            keep = next((r for r in residents if str(r.pk) == keep_pk), None)
            if keep is None:
                raise PermissionDenied
            others = [r for r in residents if r.pk != keep.pk]
            blocked = [r for r in others if not resident_may_delete(r)]
            if blocked:
                self.message_user(
                    request,
                    gettext(
                        "%(name)s is the head of a household with other residents: make "
                        "another resident the head first."
                    )
                    % {"name": blocked[0].full_name},
                    messages.ERROR,
                )
                return None
            merged = resident_merge(keep=keep, duplicates=others, user=request.user)
            self.message_user(
                request,
                gettext("%(n)s resident(s) merged into %(name)s.")
                % {"n": merged, "name": keep.full_name},
                messages.SUCCESS,
            )
            return None
        return TemplateResponse(
            request,
            "admin/households/resident_merge.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Merge residents entered twice"),
                "opts": self.model._meta,
                "residents": residents,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    def get_search_results(self, request, queryset, search_term):
        """Also a full 12-digit ID number (by its digest; any digit system, spaces allowed)."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        digits = ascii_digits(search_term).replace(" ", "").replace(".", "")
        if digits.isascii() and digits.isdigit() and len(digits) == 12:
            found = found | queryset.filter(id_number_digest=crypto.digest(digits))
        return found, duplicates

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)

        class WithUser(form_class):
            def __init__(self, *args, **kw):
                kw.setdefault("user", request.user)
                super().__init__(*args, **kw)

        return WithUser

    @admin.action(
        description=_("Export with full ID numbers (recorded)"), permissions=["export_full"]
    )
    def export_full_ids(self, request, queryset):
        return _full_export_response(
            request,
            queryset.select_related("household__village"),
            gettext("%(n)s selected residents") % {"n": queryset.count()},
        )

    def has_export_full_permission(self, request):
        return request.user.has_perm("households.export_full_id")


@admin.register(DigitalAddress)
class DigitalAddressAdmin(
    FoldedSearchMixin, ScopedAdminMixin, ServicesSaveMixin, HistoryReadOnlyMixin, SimpleHistoryAdmin
):
    list_display = [
        "household",
        "location_code",
        "postcode",
        "source",
        "plate_installed",
        "verified_on",
    ]
    list_filter = ["household__village", "source", "plate_installed"]
    search_fields = ["location_code", "postcode", "household__number"]
    folded_search_fields = ["household__search_key", "household__residents__search_key"]
    list_select_related = ["household__village"]
    raw_id_fields = ["collected_by", "verified_by"]
    autocomplete_fields = ["household"]
    form = DigitalAddressAdminForm

    def save_model(self, request, obj, form, change):
        services.address_save(
            address=obj,
            user=request.user,
            expected_version=self._expected_version(form, obj) if change else None,
        )


def _exported_name(label: str) -> str:
    """An export's model as a person reads it ("hộ gia đình"), not its label."""
    from django.apps import apps

    try:
        return str(apps.get_model(label)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return label


class ExportedModelFilter(admin.SimpleListFilter):
    title = _("data")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        labels = model_admin.get_queryset(request).order_by().values_list("model", flat=True)
        return [(label, _exported_name(label)) for label in sorted(set(labels))]

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


@admin.register(ExportAudit)
class ExportAuditAdmin(ScopedModelAdmin):
    list_display = ["at", "user", "model_name", "full_ids", "rows", "description"]
    list_filter = ["full_ids", ExportedModelFilter]
    search_fields = ["user__username", "description"]

    @admin.display(description=_("data"), ordering="model")
    def model_name(self, obj):
        return _exported_name(obj.model)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(HouseholdImport)
class HouseholdImportAdmin(ScopedModelAdmin):
    list_display = ["file_name", "created_by", "created_at", "status", "total_rows"]
    list_filter = ["status"]
    exclude = ["file", "result"]
    readonly_fields = [
        "file_name",
        "created_by",
        "commune",
        "status",
        "total_rows",
        "processed_rows",
        "created_at",
        "finished_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
