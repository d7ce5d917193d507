"""The commune's plate settings in the browser admin: size and the office contact shown on
the public address page. Rows are scoped by core.access like every other admin."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from core.admin import ScopedModelAdmin
from households.validators import normalise_phone

from .models import PlateSettings


class PlateSettingsForm(forms.ModelForm):
    class Meta:
        model = PlateSettings
        fields = ["commune", "size", "contact_name", "contact_phone", "contact_address"]

    def clean_contact_phone(self):
        # The office line is printed on a public page: the same rule as every phone here.
        return normalise_phone(self.cleaned_data.get("contact_phone"))


@admin.register(PlateSettings)
class PlateSettingsAdmin(ScopedModelAdmin):
    form = PlateSettingsForm
    list_display = ["commune", "size", "contact_name", "contact_phone"]
    list_select_related = ["commune"]
