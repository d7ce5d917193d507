"""Forms of the plates app: ordering, installation, the public "this is wrong" report."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields import NormalisedFormField
from households.validators import normalise_phone

from .models import SIZE_CHOICES


class PlateOrderForm(forms.Form):
    size = forms.ChoiceField(label=_("Plate size"), choices=SIZE_CHOICES)


class PlateInstallForm(forms.Form):
    """Nothing to type: the button says the plate is on the house (works offline: outbox)."""


class CorrectionForm(forms.Form):
    message = NormalisedFormField(
        multiline=True,
        label=_("What is wrong?"),
        max_length=500,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_("For example: the house number, the lane or the map pin. No personal data."),
    )
    phone = forms.CharField(
        label=_("Your phone (optional, to call you back)"), required=False, max_length=15
    )
    # A field people do not see: robots fill it, and the report is dropped.
    website = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_phone(self):
        raw = self.cleaned_data.get("phone") or ""
        if not raw.strip():
            return ""
        return normalise_phone(raw)


class CorrectionResolveForm(forms.Form):
    result = forms.ChoiceField(
        label=_("Result of the check"),
        choices=[
            ("confirmed", _("The address is right (confirmed in the field)")),
            ("fixed", _("The address was wrong and is fixed")),
        ],
        widget=forms.RadioSelect,
    )
    note = NormalisedFormField(
        label=_("Note"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
