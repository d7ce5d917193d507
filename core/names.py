"""People's names in Vietnamese order (docs/decisions.md "Names").

A user types one "Họ và tên" ("Nguyễn Văn Hùng"). It is kept in Django's two columns: the
family name (họ, the first word) in `last_name`, the middle and given names (tên đệm + tên) in
`first_name`, as Django means them. It is always shown family name first; Django's own
`get_full_name()` ("first last") would print "Văn Hùng Nguyễn", so the portal never uses it.
"""

from __future__ import annotations

from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .fields import NormalisedFormField
from .text import split_vietnamese_name, vietnamese_name


def person_name(user) -> str:
    """'Nguyễn Văn Hùng' for a user (family name first), else the username; '' for None."""
    if user is None:
        return ""
    name = vietnamese_name(getattr(user, "last_name", ""), getattr(user, "first_name", ""))
    return name or getattr(user, "username", "") or ""


def _full_name_field() -> NormalisedFormField:
    return NormalisedFormField(
        label=_("Full name (family name first)"),
        required=False,
        max_length=300,
        help_text=_("As written in Vietnamese, e.g. Nguyễn Văn Hùng."),
    )


class FullNameFormMixin:
    """One "Họ và tên" field instead of first_name / last_name (family name first)."""

    def _init_full_name(self):
        if self.instance.pk and (self.instance.first_name or self.instance.last_name):
            self.initial.setdefault("full_name", person_name(self.instance))
            self.fields["full_name"].initial = person_name(self.instance)

    def _apply_full_name(self, user):
        family, given = split_vietnamese_name(self.cleaned_data.get("full_name"))
        user.last_name, user.first_name = family[:150], given[:150]
        return user

    def save(self, commit=True):
        user = self._apply_full_name(super().save(commit=False))
        if commit:
            user.save()
            if hasattr(self, "save_m2m"):
                self.save_m2m()
        return user


class UserFullNameChangeForm(FullNameFormMixin, UserChangeForm):
    full_name = _full_name_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_full_name()


class UserFullNameCreationForm(FullNameFormMixin, AdminUserCreationForm):
    full_name = _full_name_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_full_name()
