"""A stale edit merged field by field (docs/decisions.md "Offline edit conflicts").

An edit form carries, next to its `version`, a signed snapshot of the record as the page showed
it (`_base`): the version the phone started from. When the save is refused because the record
moved on meanwhile (optimistic locking), `three_way()` compares, for each field of the form,

- the original (the snapshot), theirs (the record now) and yours (what was posted);
- a field changed only by the phone is applied, a field changed only on the server is kept;
- a field both changed, to different values, is a conflict: it is asked about, and the answer
  (`_merge-<field>` = `yours` | `theirs`, given for the record's version `_merge_version`) is
  applied on the next send. An answer given for an older version of the record is asked again.

So a resend never overwrites a field the phone did not change. Fields read through
`get_<name>()` / `set_<name>()` (the encrypted ID numbers) are compared by a keyed digest, never
put in the snapshot, and shown as "hidden".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django import forms
from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

BASE_FIELD = "_base"
CHOICE_PREFIX = "_merge-"
VERSION_FIELD = "_merge_version"
YOURS, THEIRS = "yours", "theirs"
_SALT = "core.merge.base"
_SKIP = {"version", BASE_FIELD}


def _secret(instance, name) -> bool:
    return callable(getattr(instance, f"get_{name}", None)) and callable(
        getattr(instance, f"set_{name}", None)
    )


def _digest(value) -> str:
    return salted_hmac(_SALT, str(value or "")).hexdigest()


def _jsonable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set | models.QuerySet):
        return sorted(_jsonable(v) for v in value)
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _names(form) -> list[str]:
    """The form's fields that are the record's: model fields and the encrypted ones."""
    names = []
    for name in form.fields:
        if name in _SKIP or name.startswith("_"):
            continue
        try:
            form.instance._meta.get_field(name)
        except FieldDoesNotExist:
            if not _secret(form.instance, name) and name not in _accessors(form):
                continue
        names.append(name)
    return names


def _accessors(form) -> dict:
    """Form-only fields standing for the record's (`merge_accessors` on the form):
    name -> (read(instance) -> str, restore(instance, current))."""
    return getattr(form, "merge_accessors", None) or {}


def _value(instance, name, form=None):
    """The stored value in snapshot form (JSON; a digest for encrypted fields)."""
    if form is not None and name in _accessors(form):
        return str(_accessors(form)[name][0](instance) or "")
    if _secret(instance, name):
        return _digest(getattr(instance, f"get_{name}")())
    model_field = instance._meta.get_field(name)
    if model_field.many_to_many:
        return _jsonable(getattr(instance, name).all()) if instance.pk else []
    return _jsonable(model_field.value_from_object(instance))


def snapshot(form, instance=None) -> dict:
    instance = form.instance if instance is None else instance
    return {name: _value(instance, name, form) for name in _names(form)}


def state_of(form, current):
    """The record's version, or for a record without one a digest of its values: what the
    answers to a conflict are given for."""
    version = getattr(current, "version", None)
    if version is not None:
        return version
    return _digest(json.dumps(snapshot(form, current), sort_keys=True))[:16]


def moved_on(form, current) -> bool:
    """For a record without a version: was it changed since the page showed it?"""
    base = _read_base(form, current)
    return base is not None and base != snapshot(form, current)


def base_token(form) -> str:
    instance = form.instance
    return signing.dumps(
        {"pk": instance.pk, "v": getattr(instance, "version", None), "values": snapshot(form)},
        salt=_SALT,
        compress=True,
    )


def add_base_field(form) -> None:
    """A hidden `_base` on an edit form (only for a saved record: a new one cannot conflict)."""
    if form.instance.pk is None:
        return
    form.fields[BASE_FIELD] = forms.CharField(
        widget=forms.HiddenInput, required=False, initial=base_token(form)
    )


def _read_base(form, current) -> dict | None:
    token = form.data.get(form.add_prefix(BASE_FIELD), "")
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if data.get("pk") != current.pk:
        return None
    return data.get("values") or {}


@dataclass
class Row:
    name: str
    label: str
    original: str
    theirs: str
    yours: str
    choice: str = ""  # yours | theirs once answered


@dataclass
class Merge:
    version: int | None  # the record's version the answers are for
    take_yours: list[str] = field(default_factory=list)  # changed only by the phone (or chosen)
    take_theirs: list[str] = field(default_factory=list)  # changed by both, server's value chosen
    conflicts: list[Row] = field(default_factory=list)  # changed by both, still to answer
    answered: list[Row] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.conflicts

    def as_json(self) -> dict:
        return {
            "version": self.version,
            "choice_prefix": CHOICE_PREFIX,
            "version_field": VERSION_FIELD,
            "rows": [row.__dict__ for row in self.conflicts],
            "applied": self.take_yours,
        }


def _display(form, instance, name, value, *, python=False) -> str:
    if name in _accessors(form):
        return str(value or "–")
    if _secret(instance, name):
        return str(_("(hidden)"))
    model_field = instance._meta.get_field(name)
    if not python and value not in (None, "") and isinstance(model_field, models.ForeignKey):
        value = model_field.related_model._default_manager.filter(pk=value).first() or value
    if not python and isinstance(model_field, models.DateField) and isinstance(value, str):
        try:
            value = model_field.to_python(value)
        except ValidationError:
            pass
    if value in (None, "", []):
        return "–"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _posted_changed(form, name, snapshot_value) -> bool:
    """Does what was posted for `name` differ from a snapshot value? (Django's has_changed)"""
    if name in _accessors(form):
        return str(form.cleaned_data.get(name) or "").strip() != str(snapshot_value or "")
    if _secret(form.instance, name):
        return _digest(form.cleaned_data.get(name)) != snapshot_value
    form_field = form.fields[name]
    initial = snapshot_value
    if not isinstance(form_field, forms.ModelChoiceField):
        try:
            initial = form_field.to_python(snapshot_value)
        except ValidationError:
            pass
    data = form_field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    return form_field.has_changed(initial, data)


def three_way(form, current) -> Merge:
    """Compare a valid, stale `form` with the record as it is now (`current`)."""
    base = _read_base(form, current)
    version = state_of(form, current)
    answers_valid = str(form.data.get(form.add_prefix(VERSION_FIELD), "")) == str(version)
    merge = Merge(version=version)
    for name in _names(form):
        theirs = _value(current, name, form)
        original = base.get(name) if base is not None else theirs
        if base is not None and name not in base:
            continue  # a field the page did not show: never touched
        mine_changed = _posted_changed(form, name, original) if base is not None else True
        if not mine_changed:
            continue
        if base is not None and theirs == original:
            merge.take_yours.append(name)
            continue
        if not _posted_changed(form, name, theirs):
            continue  # both made the same change
        row = Row(
            name=name,
            label=str(form.fields[name].label or name),
            original=_display(form, current, name, original) if base is not None else "?",
            theirs=_display(
                form,
                current,
                name,
                _value(current, name, form)
                if name in _accessors(form)
                else (getattr(current, name, None) if not _secret(current, name) else None),
                python=True,
            ),
            yours=_display(form, current, name, form.cleaned_data.get(name), python=True),
        )
        choice = form.data.get(form.add_prefix(CHOICE_PREFIX + name), "")
        if answers_valid and choice in (YOURS, THEIRS):
            row.choice = choice
            merge.answered.append(row)
            (merge.take_yours if choice == YOURS else merge.take_theirs).append(name)
        else:
            merge.conflicts.append(row)
    return merge


def merged_instance(form, current, merge: Merge):
    """The form's instance (yours) with the server's values for every field not taken from the
    phone, ready to save on top of `current` (whose version it carries)."""
    instance = form.instance
    for name in _names(form):
        if name in merge.take_yours:
            continue
        if name in _accessors(form):
            _accessors(form)[name][1](instance, current)
            continue
        if _secret(current, name):
            getattr(instance, f"set_{name}")(getattr(current, f"get_{name}")())
            continue
        model_field = current._meta.get_field(name)
        if model_field.many_to_many:
            continue
        setattr(instance, model_field.attname, getattr(current, model_field.attname))
    if getattr(current, "version", None) is not None:
        instance.version = current.version
    return instance
