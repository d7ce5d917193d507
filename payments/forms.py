"""Forms of the payments app; every choice is limited to the user's scope."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.access import official_communes
from villages.models import Commune, Village

from .fields import CountField, MonthField, VNDField
from .models import CashlessReport, Category, Source


def scope_choices(user) -> list[tuple[str, str]]:
    """'commune:<id>' and 'village:<id>' choices for the user's communes (two queries)."""
    communes = list(official_communes(user).order_by("code"))
    villages = Village.objects.filter(commune__in=communes).order_by("commune__code", "number")
    by_commune: dict[int, list[Village]] = {}
    for village in villages:
        by_commune.setdefault(village.commune_id, []).append(village)
    choices = []
    for commune in communes:
        choices.append(
            (
                f"commune:{commune.pk}",
                str(_("%(commune)s – whole commune") % {"commune": commune.name}),
            )
        )
        for village in by_commune.get(commune.pk, []):
            choices.append((f"village:{village.pk}", f"{commune.name} – {village.name}"))
    return choices


class ScopeForm(forms.Form):
    """Which report to enter: the commune or one of its villages, and the month."""

    scope = forms.ChoiceField(label=_("Report for"))
    period = MonthField(label=_("Month"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        # A tampered id (another commune's village) is not among the choices: refused.
        self.fields["scope"].choices = scope_choices(user)

    def clean_scope(self):
        kind, _sep, pk = self.cleaned_data["scope"].partition(":")
        if kind == "commune":
            commune = official_communes(self.user).get(pk=pk)
            return commune, None
        village = Village.objects.select_related("commune").get(
            pk=pk, commune__in=official_communes(self.user)
        )
        return village.commune, village


class CategoryRowForm(forms.Form):
    """One category of one month; left without cashless figures = not reported."""

    category = forms.ChoiceField(choices=Category.choices, widget=forms.HiddenInput)
    payers_total = CountField(label=_("Payers (total)"), required=False)
    payers_cashless = CountField(label=_("Payers paying cashless"), required=False)
    amount_total = VNDField(label=_("Amount (total, VND)"), required=False)
    amount_cashless = VNDField(label=_("Amount paid cashless (VND)"), required=False)
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", "---------"), *Source.choices], required=False
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    @property
    def category_label(self) -> str:
        value = self.initial.get("category") or self.data.get(self.add_prefix("category"))
        return str(dict(Category.choices).get(value, ""))

    def has_figures(self) -> bool:
        data = self.cleaned_data
        return data.get("payers_cashless") is not None or data.get("amount_cashless") is not None

    def clean(self):
        data = super().clean()
        if self.errors or not self.has_figures():
            return data
        for name in ("payers_total", "payers_cashless", "amount_total", "amount_cashless"):
            if data.get(name) is None:
                self.add_error(name, _("Enter all four numbers of a category you report."))
        if self.errors:
            return data
        if data["payers_cashless"] > data["payers_total"]:
            self.add_error(
                "payers_cashless",
                _("Payers paying cashless cannot exceed the total number of payers."),
            )
        if data["amount_cashless"] > data["amount_total"]:
            self.add_error(
                "amount_cashless", _("The amount paid cashless cannot exceed the total.")
            )
        return data


class BaseCategoryFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        seen = [form.cleaned_data.get("category") for form in self.forms if form.cleaned_data]
        if sorted(seen) != sorted({c for c in seen}) or len(seen) != len(Category.choices):
            raise forms.ValidationError(_("Each category appears exactly once."))


CategoryFormSet = forms.formset_factory(
    CategoryRowForm,
    formset=BaseCategoryFormSet,
    extra=0,
    min_num=len(Category.choices),
    max_num=len(Category.choices),
    validate_min=True,
    validate_max=True,
)


class ImportUploadForm(forms.Form):
    commune = forms.ModelChoiceField(label=_("Commune"), queryset=Commune.objects.none())
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("Use the template: one row per category and scope, month as MM/YYYY."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].queryset = official_communes(user).order_by("code")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel file (.xlsx)."))
        return upload  # its size and the caps: payments/jobs.py (core.imports)


class CashlessReportAdminForm(forms.ModelForm):
    """Admin form: amounts typed with thousands separators, the month as MM/YYYY."""

    period = MonthField(label=_("Month"))
    payers_total = CountField(label=_("Payers (total)"))
    payers_cashless = CountField(label=_("Payers paying cashless"))
    amount_total = VNDField(label=_("Amount (total, VND)"))
    amount_cashless = VNDField(label=_("Amount paid cashless (VND)"))

    class Meta:
        model = CashlessReport
        fields = [
            "commune",
            "village",
            "period",
            "category",
            "payers_total",
            "payers_cashless",
            "amount_total",
            "amount_cashless",
            "source",
            "note",
        ]
