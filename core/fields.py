"""Model and form fields that keep text in one normal form (core.text), and derived keys.

`NormalisedCharField` / `NormalisedTextField` are CharField/TextField that store `normalise()`d
text: `pre_save` covers `save()` and `bulk_create()` (management commands, imports, the admin),
their form field covers every ModelForm (the value is normalised before validation, so unique
checks and duplicate searches see what will be stored). They deconstruct as Django's own
fields: changing a model to them needs no migration.

`DerivedKeyField` is an indexed, non-editable column computed from other fields on every save
and bulk insert: the folded search key (`fold`) and the natural sort key of household numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django import forms
from django.db import models

from .text import ascii_digits, fold, natural_key, normalise


class NormalisedFormField(forms.CharField):
    """A CharField whose value is NFC, trimmed, inner whitespace collapsed."""

    def __init__(self, *args, multiline: bool = False, digits: bool = False, **kwargs):
        self.multiline = multiline
        self.digits = digits
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        return _normal(value, multiline=self.multiline, digits=self.digits)


def _normal(value: str, *, multiline: bool, digits: bool) -> str:
    return ascii_digits(value) if digits else normalise(value, multiline=multiline)


class _NormalisedMixin:
    multiline = False
    digits = False

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = _normal(value, multiline=self.multiline, digits=self.digits)
            setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        if self.choices:
            return super().formfield(**kwargs)
        kwargs.setdefault("form_class", NormalisedFormField)
        field = super().formfield(**kwargs)
        if isinstance(field, NormalisedFormField):
            field.multiline, field.digits = self.multiline, self.digits
        return field

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, f"django.db.models.{self._django_base.__name__}", args, kwargs


class NormalisedCharField(_NormalisedMixin, models.CharField):
    _django_base = models.CharField


class NormalisedCodeField(NormalisedCharField):
    """Numbers and codes (household numbers, postcodes, lot codes): digits stored as ASCII."""

    digits = True


class NormalisedTextField(_NormalisedMixin, models.TextField):
    _django_base = models.TextField
    multiline = True


KEYS: dict[str, Callable[[str], str]] = {"fold": fold, "natural": natural_key}


class DerivedKeyField(models.CharField):
    """A key computed from `sources` with `KEYS[kind]` each time the row is written."""

    def __init__(self, *args, sources: Sequence[str] = (), kind: str = "fold", **kwargs):
        self.sources = tuple(sources)
        self.kind = kind
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        kwargs.setdefault("db_index", False)
        super().__init__(*args, **kwargs)

    def compute(self, instance) -> str:
        parts = [str(getattr(instance, name) or "") for name in self.sources]
        return KEYS[self.kind](" ".join(p for p in parts if p))[: self.max_length]

    def pre_save(self, model_instance, add):
        value = self.compute(model_instance)
        setattr(model_instance, self.attname, value)
        return value

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["sources"] = list(self.sources)
        kwargs["kind"] = self.kind
        for key, default in (("editable", False), ("blank", True), ("default", "")):
            if kwargs.get(key, not default) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs


def refresh_keys(instance) -> None:
    """Compute the derived keys now (e.g. before bulk_update, which skips pre_save)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, DerivedKeyField):
            setattr(instance, field.attname, field.compute(instance))
