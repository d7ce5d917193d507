"""A double submit never ends in a server error (docs/decisions.md "Double submit").

Two identical posts that race past the form's uniqueness check both reach the database; the
second breaks a unique constraint (IntegrityError). Each create path turns that into the normal
answer: with an idempotency key the middleware (core.offline) answers as the first request did;
without one, the user is told which record already exists. `existing_duplicate` finds it from
the model's own unique constraints; `DoubleSubmitAdminMixin` does it for every admin form.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError, models, transaction
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _


def _unique_sets(model) -> list[tuple[list[str], models.Q | None]]:
    sets: list[tuple[list[str], models.Q | None]] = []
    opts = model._meta
    for field in opts.concrete_fields:
        if field.unique and not field.primary_key:
            sets.append(([field.name], None))
    for together in opts.unique_together:
        sets.append((list(together), None))
    for constraint in opts.total_unique_constraints + [
        c for c in opts.constraints if isinstance(c, models.UniqueConstraint) and c.condition
    ]:
        if constraint.fields:
            sets.append((list(constraint.fields), constraint.condition))
    return sets


def existing_duplicate(obj: models.Model) -> models.Model | None:
    """The saved row that `obj` (not saved) collides with on a unique constraint, if any."""
    model = type(obj)
    for fields, condition in _unique_sets(model):
        values = {}
        for name in fields:
            field = model._meta.get_field(name)
            value = getattr(obj, field.attname)
            if value is None:
                break
            values[field.attname] = value
        else:
            query = model._default_manager.filter(**values)
            if condition is not None:
                query = query.filter(condition)
            if obj.pk is not None:
                query = query.exclude(pk=obj.pk)
            found = query.first()
            if found is not None:
                return found
    return None


def duplicate_message(existing: models.Model) -> str:
    return _(
        "“%(record)s” already exists (it was probably saved a moment ago, e.g. by a double "
        "click): nothing was saved twice."
    ) % {"record": existing}


class DoubleSubmitAdminMixin:
    """The admin's add/change form: a unique-constraint race opens the existing record with a
    message instead of a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Duplicate as exc:
            existing = exc.existing
            self.message_user(request, duplicate_message(existing), messages.WARNING)
            opts = existing._meta
            try:
                url = reverse(
                    f"admin:{opts.app_label}_{opts.model_name}_change", args=[existing.pk]
                )
            except NoReverseMatch:
                url = request.get_full_path()
            return HttpResponseRedirect(url)

    def save_model(self, request, obj, form, change):
        try:
            with transaction.atomic():
                super().save_model(request, obj, form, change)
        except IntegrityError:
            existing = existing_duplicate(obj)
            if existing is None:
                raise
            raise _Duplicate(existing) from None


class _Duplicate(Exception):
    def __init__(self, existing):
        super().__init__("duplicate")
        self.existing = existing
