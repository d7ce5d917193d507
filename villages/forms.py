"""Forms of the administrative changes (a village moves, communes merge): the choices are the
communes and villages of the province in the URL only (core.access.province_required)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import SafeModelMultipleChoiceField, day_first_date_input

from .models import Commune, Village

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


def _commune_label(commune: Commune) -> str:
    return f"{commune.name} ({commune.code})"


class _ChangeForm(forms.Form):
    on_date = forms.DateField(
        label=_("Takes effect on"), input_formats=DATE_FORMATS, widget=day_first_date_input()
    )
    decision = forms.CharField(
        label=_("Decision"),
        max_length=120,
        help_text=_("Number and issuer of the decision, e.g. 1682/NQ-UBTVQH15."),
    )

    def __init__(self, *args, province_code: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.communes = Commune.objects.filter(province_code=province_code).order_by("name")


class VillageMoveForm(_ChangeForm):
    village = forms.ModelChoiceField(label=_("Village"), queryset=Village.objects.none())
    to_commune = forms.ModelChoiceField(
        label=_("Moves to the commune"), queryset=Commune.objects.none()
    )
    number = forms.IntegerField(
        label=_("Village number in the new commune"),
        min_value=1,
        max_value=99,
        required=False,
        help_text=_("Empty: its number if free there, else the lowest free number."),
    )
    field_order = ["village", "to_commune", "number", "on_date", "decision"]

    def __init__(self, *args, province_code: str, **kwargs):
        super().__init__(*args, province_code=province_code, **kwargs)
        self.fields["village"].queryset = (
            Village.objects.filter(commune__province_code=province_code)
            .select_related("commune")
            .order_by("commune__name", "number")
        )
        self.fields["village"].label_from_instance = lambda v: f"{v.name} – {v.commune.name}"
        self.fields["to_commune"].queryset = self.communes
        self.fields["to_commune"].label_from_instance = _commune_label


class CommuneMergeForm(_ChangeForm):
    predecessors = SafeModelMultipleChoiceField(
        label=_("Communes merged"),
        queryset=Commune.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    successor = forms.ModelChoiceField(label=_("Into the commune"), queryset=Commune.objects.none())
    field_order = ["predecessors", "successor", "on_date", "decision"]

    def __init__(self, *args, province_code: str, **kwargs):
        super().__init__(*args, province_code=province_code, **kwargs)
        for name in ("predecessors", "successor"):
            self.fields[name].queryset = self.communes
            self.fields[name].label_from_instance = _commune_label
