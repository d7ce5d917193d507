"""Admin: catalogues (versioned on edit once in use), manual evidence, roll-up runs."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.access import scope_for
from core.admin import ScopedAdminMixin, ScopedModelAdmin
from villages.models import Commune

from . import indicators
from .catalogue import (
    CatalogueError,
    catalogue_changes,
    catalogue_load,
    catalogue_may_load,
    catalogue_read,
)
from .models import (
    Assessment,
    CommuneGroup,
    CriteriaSet,
    Criterion,
    ManualEvidence,
    RollupRun,
)
from .services import criteria_set_save_version, rollup_commune


class CriterionForm(forms.ModelForm):
    indicator_key = forms.ChoiceField(label=_("indicator"), required=False)

    class Meta:
        model = Criterion
        fields = ["order", "code", "title", "indicator_key", "comparator", "target", "unit",
                  "weight", "group_targets", "threshold_basis", "requires_evidence", "options",
                  "help_text", "source"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator_key"].choices = [("", _("— manual (evidence) —"))] + list(
            indicators.choices()
        )


class CriterionInline(ScopedAdminMixin, admin.StackedInline):
    model = Criterion
    form = CriterionForm
    extra = 0
    fields = [
        ("order", "code"),
        "title",
        ("indicator_key", "comparator", "target", "unit", "weight"),
        ("requires_evidence", "group_targets", "threshold_basis"),
        "options",
        "help_text",
        "source",
    ]


CATALOGUE_MAX_BYTES = 1024 * 1024


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=_("catalogue file (YAML)"),
        required=False,
        help_text=_("Format: docs/criteria.md. It is loaded as a new version after the preview."),
    )
    content = forms.CharField(widget=forms.HiddenInput, required=False)

    def text(self) -> str:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return self.cleaned_data.get("content") or ""
        if upload.size > CATALOGUE_MAX_BYTES:
            raise CatalogueError([_("The file is larger than 1 MB.")])
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CatalogueError([_("The file is not UTF-8 text.")]) from exc


@admin.register(CriteriaSet)
class CriteriaSetAdmin(ScopedModelAdmin):
    """Editing a set that has assessments saves a new version (old assessments keep theirs)."""

    change_list_template = "admin/criteria/criteriaset/change_list.html"
    list_display = ["title", "code", "version", "level", "province_code", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["title", "code"]
    readonly_fields = ["version", "previous", "created_at"]
    inlines = [CriterionInline]

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or scope_for(request.user).superuser:
            return True
        # National catalogues are law; officials edit only their province's sets.
        return CriteriaSet.objects.editable_by(request.user).filter(pk=obj.pk).exists()

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="criteria_criteriaset_import",
            )
        ] + super().get_urls()

    def import_view(self, request):
        """Upload a catalogue file, see what it would change, then confirm (a new version)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = CatalogueImportForm(request.POST or None, request.FILES or None)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Import a catalogue file"), "form": form}  # fmt: skip
        if request.method == "POST" and form.is_valid():
            try:
                text = form.text()
                catalogue = catalogue_read(text)
            except CatalogueError as exc:
                context["errors"] = exc.errors
                return TemplateResponse(request, "admin/criteria/criteriaset/import.html", context)
            if not catalogue_may_load(request.user, catalogue):
                context["errors"] = [
                    _("You may load only the provincial catalogues of your province.")
                ]
            elif request.POST.get("confirm"):
                result = catalogue_load(catalogue=catalogue)
                new = result.criteria_set
                if result.created:
                    messages.success(
                        request,
                        _("%(code)s: version %(version)s loaded; older versions are kept.")
                        % {"code": new.code, "version": new.version},
                    )
                else:
                    messages.info(
                        request, _("Nothing changed: the file matches the active version.")
                    )
                return HttpResponseRedirect(
                    reverse("admin:criteria_criteriaset_change", args=[new.pk])
                )
            else:
                context.update(
                    catalogue=catalogue,
                    changes=catalogue_changes(catalogue),
                    confirm_form=CatalogueImportForm(initial={"content": text}),
                )
        return TemplateResponse(request, "admin/criteria/criteriaset/import.html", context)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.in_use():
            return False
        return self.has_change_permission(request, obj) and super().has_delete_permission(
            request, obj
        )

    def save_model(self, request, obj, form, change):
        if change and obj.pk and CriteriaSet.objects.get(pk=obj.pk).in_use():
            # Decided in save_related, once the criteria formsets are known.
            obj._version_from = obj.pk
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        original_pk = getattr(form.instance, "_version_from", None)
        if original_pk is None:
            return super().save_related(request, form, formsets, change)
        for formset in formsets:
            # What construct_change_message reads; nothing was saved through the formsets.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        changed = form.has_changed() or any(fs.has_changed() for fs in formsets)
        if not changed:
            return
        if form.changed_data == ["is_active"] and not any(fs.has_changed() for fs in formsets):
            # (De)activating does not change what old assessments mean: in place.
            CriteriaSet.objects.filter(pk=original_pk).update(is_active=form.instance.is_active)
            # No signal for an update(): the global data version moves here (cached pages,
            # the roll-ups' sets kept under it, the incremental roll-up's records).
            from core.dataversion import bump

            bump(everything=True)
            return
        new = criteria_set_save_version(instance=form.instance, original_pk=original_pk)
        for formset in formsets:
            for inline_form in formset.forms:
                if not inline_form.has_changed() and inline_form.instance.pk is None:
                    continue  # an empty extra form
                if formset.can_delete and formset._should_delete_form(inline_form):
                    continue
                criterion = inline_form.save(commit=False)
                criterion.pk = None
                criterion.id = None
                criterion._state.adding = True
                criterion.criteria_set = new
                criterion.save()
                formset.new_objects.append(criterion)
        messages.info(
            request,
            _(
                "This set already has assessments: version %(version)s was created; the previous "
                "version and its assessments are kept."
            )
            % {"version": new.version},
        )


def _run_rollups(request, communes) -> None:
    done = 0
    for commune in communes:
        rollup_commune(commune=commune, trigger="admin")
        done += 1
    messages.success(
        request,
        ngettext("Rolled up %(n)d commune.", "Rolled up %(n)d communes.", done) % {"n": done},
    )


@admin.register(RollupRun)
class RollupRunAdmin(ScopedModelAdmin):
    list_display = ["commune", "on", "started_at", "finished_at", "status", "trigger"]
    list_filter = ["status"]
    readonly_fields = ["commune", "on", "started_at", "finished_at", "status", "trigger", "error"]
    actions = ["roll_up_now"]
    change_list_template = "admin/criteria/rolluprun/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Roll up now (the communes of the selected runs)"))
    def roll_up_now(self, request, queryset):
        communes = Commune.objects.filter(pk__in=queryset.values("commune_id"))
        _run_rollups(request, communes.for_user(request.user))

    def get_urls(self):
        return [
            path(
                "rollup-mine/",
                self.admin_site.admin_view(require_POST(self.rollup_mine_view)),
                name="criteria_rolluprun_rollup_mine",
            )
        ] + super().get_urls()

    def rollup_mine_view(self, request):
        """'Roll up now' button: every commune (with villages) the official is in charge of."""
        communes = Commune.objects.for_user(request.user).filter(villages__isnull=False).distinct()
        _run_rollups(request, communes)
        return HttpResponseRedirect(reverse("admin:criteria_rolluprun_changelist"))


@admin.register(ManualEvidence)
class ManualEvidenceAdmin(ScopedModelAdmin):
    list_display = ["criterion", "commune", "village", "value", "option", "reference",
                    "entered_by", "entered_at"]  # fmt: skip
    list_filter = ["criterion__criteria_set"]
    readonly_fields = ["file_download", "entered_by", "entered_at"]
    actions = ["roll_up_now"]

    @admin.display(description=_("current file"))
    def file_download(self, obj):
        # A private file has no URL: the link goes to the checked, recorded download view.
        if not obj.pk or not obj.file:
            return "–"
        return format_html(
            '<a href="{}">{}</a>', reverse("criteria:evidence_file", args=[obj.pk]), _("Download")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "criterion" and field is not None:
            field.queryset = field.queryset.filter(
                indicator_key="", criteria_set__is_active=True
            ).select_related("criteria_set")
        return field

    def save_model(self, request, obj, form, change):
        if not obj.entered_by_id:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Roll up now (the communes of the selected evidence)"))
    def roll_up_now(self, request, queryset):
        communes = Commune.objects.filter(pk__in=queryset.values("commune_id"))
        _run_rollups(request, communes.for_user(request.user))


@admin.register(CommuneGroup)
class CommuneGroupAdmin(ScopedModelAdmin):
    """An official records the group the province assigned to the commune, with the decision."""

    list_display = ["commune", "period", "group", "decision_number", "decision_date", "entered_by"]
    list_filter = ["period", "group"]
    readonly_fields = ["entered_by", "entered_at"]

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Assessment)
class AssessmentAdmin(ScopedModelAdmin):
    """Read-only: snapshots are written by roll-ups only."""

    list_display = ["criterion", "commune", "village", "value", "status", "latest", "computed_at"]
    list_filter = ["latest", "status", "criterion__criteria_set"]
    list_select_related = ["criterion", "commune", "village"]
    # Django draws an unknown boolean as an icon with alt="None" (English): words instead.
    exclude = ["met"]
    readonly_fields = ["met_display"]

    @admin.display(description=_("met"))
    def met_display(self, obj):
        return {True: _("Yes"), False: _("No")}.get(obj.met, "–")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
