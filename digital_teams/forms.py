"""Field-portal forms. Every choice is limited to what the user may reach (tampered ids fail)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import SafeModelMultipleChoiceField, day_first_date_input
from households.models import Resident

from .models import OUTCOME_EFFECTS, DigitalTeam, Outcome, SupportActivity, TeamMember, Topic

DATE_INPUT = day_first_date_input()


def _helper(label) -> FormHelper:
    helper = FormHelper()
    helper.add_input(Submit("submit", label, css_class="btn-success btn-lg w-100"))
    return helper


# Django's Vietnamese catalogue lacks this message: a tampered member id is refused in Vietnamese.
MEMBER_ERRORS = {
    "invalid_pk_value": _("Choose team members from the list."),
    "invalid_choice": _("Choose team members from the list."),
}


class DigitalTeamForm(forms.ModelForm):
    class Meta:
        model = DigitalTeam
        fields = ["decision_number", "decision_date", "founded_on", "note"]
        widgets = {
            "decision_date": DATE_INPUT,
            "founded_on": DATE_INPUT,
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save"))


class TeamMemberForm(forms.ModelForm):
    """A member of `team`; the account choice lists only people with a role in the village."""

    # Typed with spaces or dots on a phone; normalised to 0xxxxxxxxx in clean_phone.
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)

    class Meta:
        model = TeamMember
        fields = ["full_name", "role", "position", "phone", "user", "active_from", "active_to"]
        widgets = {"active_from": DATE_INPUT, "active_to": DATE_INPUT}

    def __init__(self, *args, team: DigitalTeam, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.team = team
        from django.contrib.auth import get_user_model

        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(memberships__village=team.village)
            .distinct()
            .order_by("username")
        )
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "off"})
        self.helper = _helper(_("Save"))

    def clean_phone(self):
        phone = "".join(ch for ch in self.cleaned_data["phone"] if ch.isdigit())
        if phone and not (phone.startswith("0") and len(phone) in (10, 11)):
            raise forms.ValidationError(_("Enter a phone number of 10 or 11 digits starting 0."))
        return phone


class SupportActivityForm(forms.Form):
    """A group session, campaign day, remote help or visit without per-resident outcomes."""

    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    kind = forms.ChoiceField(label=_("Kind"), choices=SupportActivity.Kind.choices)
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, widget=forms.CheckboxSelectMultiple
    )
    members = SafeModelMultipleChoiceField(
        label=_("Members who took part"),
        queryset=TeamMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages=MEMBER_ERRORS,
    )
    participants = forms.IntegerField(
        label=_("Number of participants"), min_value=0, max_value=10000, initial=0
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, team: DigitalTeam, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = team.members.active()
        self.fields["date"].initial = timezone.localdate()
        self.helper = _helper(_("Record activity"))

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return date


class HomeVisitForm(forms.Form):
    """A home visit: for each resident of the household, the outcomes reached."""

    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    members = SafeModelMultipleChoiceField(
        label=_("Members who took part"),
        queryset=TeamMember.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages=MEMBER_ERRORS,
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, team: DigitalTeam, residents: list[Resident], **kwargs):
        super().__init__(*args, **kwargs)
        self.residents = residents
        self.fields["members"].queryset = team.members.active()
        self.fields["date"].initial = timezone.localdate()
        for resident in residents:
            choices = [(o.value, o.label) for o in Outcome if not _reached(resident, o.value)]
            self.fields[f"outcomes_{resident.pk}"] = forms.MultipleChoiceField(
                label=resident.full_name,
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def resident_fields(self):
        return [(r, self[f"outcomes_{r.pk}"]) for r in self.residents]

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return date

    def clean(self):
        cleaned = super().clean()
        outcomes = {
            r.pk: cleaned.get(f"outcomes_{r.pk}") or []
            for r in self.residents
            if cleaned.get(f"outcomes_{r.pk}")
        }
        if not outcomes and not (cleaned.get("notes") or "").strip():
            raise forms.ValidationError(
                _("Tick at least one outcome, or write a note about the visit.")
            )
        cleaned["outcomes"] = outcomes
        return cleaned


def _reached(resident: Resident, outcome: str) -> bool:
    name, value, _topic = OUTCOME_EFFECTS[outcome]
    current = getattr(resident, name)
    return current >= value if name == "vneid_level" else current == value
