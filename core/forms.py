"""Form pieces that refuse tampered ids with a form error instead of a 500.

Django's ModelMultipleChoiceField lets a huge number reach the database (OverflowError on
SQLite, out-of-range on PostgreSQL), and the admin's autocomplete widget filters the queryset
with whatever was posted when it redraws a form with errors (ValueError for " ").
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError

MAX_PK = 2**63 - 1


def valid_pk(value) -> bool:
    text = str(value).strip()
    # ASCII only: "¹" and other Unicode digits pass str.isdigit() but not int().
    return text.isascii() and text.isdigit() and int(text) <= MAX_PK


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        if self.to_field_name is None:
            for pk in value:
                if not valid_pk(pk):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)


class _SafeOptgroups:
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if valid_pk(v)], attr)


class SafeAutocompleteSelect(_SafeOptgroups, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_SafeOptgroups, AutocompleteSelectMultiple):
    pass


def harden(field):
    """Swap the classes above in for Django's (admin formfield hooks)."""
    if field is None:
        return field
    widget = field.widget
    if type(widget) is AutocompleteSelect:
        widget.__class__ = SafeAutocompleteSelect
    elif type(widget) is AutocompleteSelectMultiple:
        widget.__class__ = SafeAutocompleteSelectMultiple
    if type(field) is forms.ModelMultipleChoiceField:
        field.__class__ = SafeModelMultipleChoiceField
    return field


def day_first_date_input() -> forms.DateInput:
    """A date typed and shown as dd/mm/yyyy whatever the phone's language: the browser's own
    date input prints the device locale's order (mm/dd/yyyy on an English phone)."""
    return forms.DateInput(
        format="%d/%m/%Y",
        attrs={"placeholder": "dd/mm/yyyy", "autocomplete": "off"},
    )
