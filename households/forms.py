"""Field-portal forms: every choice limited to the user's scope, a tampered id is refused."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from core import merge
from core.access import scope_for
from core.forms import day_first_date_input
from villages.models import Village, VillageAsset

from . import services
from .models import DigitalAddress, Household, Resident
from .services import (
    describe_duplicate,
    household_number_taken,
    household_number_taken_message,
    id_number_conflict,
    resident_possible_duplicates,
)
from .validators import (
    normalise_phone,
    validate_birth_date,
    validate_coordinates,
    validate_id_number,
    validate_legacy_id,
)

DATE_WIDGET = day_first_date_input()


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class VersionedFormMixin:
    """A hidden `version` carried from the page that was opened (optimistic locking), and the
    record as that page showed it (`_base`, core.merge: a stale edit is merged field by field).
    Call last in __init__ (the snapshot covers the fields present)."""

    def add_version_field(self):
        self.fields["version"] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=getattr(self.instance, "version", 1)
        )
        merge.add_base_field(self)

    @property
    def expected_version(self) -> int:
        value = self.cleaned_data.get("version")
        return self.instance.version if value is None else value


def _phone_field() -> forms.CharField:
    # Longer than the stored 11 digits: people type +84, spaces and dots; we normalise.
    return forms.CharField(
        label=_("Phone"),
        required=False,
        max_length=25,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )


class HouseholdForm(VersionedFormMixin, forms.ModelForm):
    phone = _phone_field()

    class Meta:
        model = Household
        fields = ["village", "number", "house_no", "lane", "phone", "has_fibre", "has_4g", "note"]
        widgets = {
            "note": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        villages = Village.objects.for_user(user).select_related("commune")
        self.fields["village"].queryset = villages
        if self.instance.pk is None and len(villages) == 1:
            self.fields["village"].initial = villages[0].pk
            self.fields["village"].widget = forms.HiddenInput()
        self.fields["number"].widget.attrs["inputmode"] = "numeric"
        self.add_version_field()
        self.helper = _helper()

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone"))

    def clean(self):
        data = super().clean()
        village, number = data.get("village"), data.get("number")
        if village is not None and number:
            existing = household_number_taken(
                village_id=village.pk, number=number, exclude_pk=self.instance.pk
            )
            if existing is not None:
                self.add_error("number", household_number_taken_message(existing))
        return data


def confirm_duplicate_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("I checked: this is a different person with the same name and birth date"),
        required=False,
    )


class ResidentForm(VersionedFormMixin, forms.ModelForm):
    phone = _phone_field()
    id_number = forms.CharField(
        label=_("Personal ID number (12 digits)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    legacy_id = forms.CharField(
        label=_("Old 9-digit ID (CMND)"),
        required=False,
        max_length=15,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Resident
        fields = [
            "full_name", "relation", "birth_date", "sex", "id_number", "legacy_id", "phone",
            "status", "has_smartphone", "vneid_level", "has_epayment", "doc_health_insurance",
            "doc_driving_licence", "doc_vehicle_registration", "uses_online_services",
        ]  # fmt: skip
        widgets = {
            "birth_date": DATE_WIDGET,
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, user, household: Household | None = None, village=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.household = household or (self.instance.household if self.instance.pk else None)
        # A new household's village (its residents are typed with it): the duplicate check.
        self.village = village
        if self.instance.pk:
            # The resident's own edit form is the one place where the full number shows.
            self.fields["id_number"].initial = self.instance.get_id_number()
            self.fields["legacy_id"].initial = self.instance.get_legacy_id()
        if self.is_bound and "confirm_duplicate" not in self.fields:
            # Shown (and required) only when the check below finds a possible duplicate.
            self.fields["confirm_duplicate"] = confirm_duplicate_field()
        self.add_version_field()
        self.helper = _helper()

    def clean_phone(self):
        return normalise_phone(self.cleaned_data.get("phone"))

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        validate_birth_date(value)
        return value

    def clean_legacy_id(self):
        value = self.cleaned_data.get("legacy_id")
        return validate_legacy_id(value) if value else ""

    def clean(self):
        data = super().clean()
        raw = data.get("id_number")
        if raw:
            try:
                number = validate_id_number(
                    raw, birth_date=data.get("birth_date"), sex=data.get("sex")
                )
            except ValidationError as exc:
                self.add_error("id_number", exc)
            else:
                data["id_number"] = number
                message = id_number_conflict(
                    number=number, user=self.user, exclude_pk=self.instance.pk
                )
                if message:
                    self.add_error("id_number", message)
        else:
            data["id_number"] = ""
        self._check_head(data)
        self._check_duplicate(data)
        return data

    def _check_duplicate(self, data):
        """Same folded name and birth date as a resident of the commune: shown, and saved only
        with the explicit confirmation (a different person with the same name)."""
        household = self.household or data.get("household")
        village = household.village if getattr(household, "village_id", None) else self.village
        matches = []
        if village is not None and data.get("full_name") and data.get("birth_date"):
            changed = self.instance.pk is None or {"full_name", "birth_date"} & set(
                self.changed_data
            )
            if changed:
                matches = resident_possible_duplicates(
                    full_name=data["full_name"],
                    birth_date=data["birth_date"],
                    commune_id=village.commune_id,
                    exclude_pk=self.instance.pk,
                )
        self.possible_duplicates = [describe_duplicate(r, user=self.user) for r in matches]
        if not matches:
            if not self.declared_confirm:
                self.fields.pop("confirm_duplicate", None)
            return
        if not data.get("confirm_duplicate"):
            self.add_error(
                "full_name",
                _(
                    "This person may already be registered: %(matches)s. If this is a "
                    "different person, tick the confirmation below and save again."
                )
                % {"matches": "; ".join(self.possible_duplicates)},
            )

    @property
    def declared_confirm(self) -> bool:
        return "confirm_duplicate" in self.declared_fields

    def _check_head(self, data):
        """Exactly one head (services.head_rule_error, the one rule): the only head cannot
        stop being head; choosing a new head demotes the previous one (resident_save)."""
        household = self.household or data.get("household")  # the admin form picks it
        if household is None or household.pk is None:
            return
        message = services.head_rule_error(
            stored=services.stored_heads(household.pk),
            rows=[(self.instance.pk, data.get("relation"))],
            demote=True,
        )
        if message:
            self.add_error("relation", message)

    def save(self, commit=True):
        """The resident with its ID numbers set; saving it is households.services' job
        (resident_save: versions, heads, the status date)."""
        resident = super().save(commit=False)
        resident.set_id_number(self.cleaned_data.get("id_number") or "")
        resident.set_legacy_id(self.cleaned_data.get("legacy_id") or "")
        if self.household is not None:
            resident.household = self.household
        if commit:
            services.resident_save(
                resident=resident, user=self.user, expected_version=self.expected_version
            )
        return resident


class BaseResidentFormSet(BaseInlineFormSet):
    """The residents typed with a new household: exactly one head, no ID number twice."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows, seen = [], {}
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            rows.append((None, form.cleaned_data.get("relation")))
            number = form.cleaned_data.get("id_number")
            if number:
                if number in seen:
                    form.add_error("id_number", _("This ID number is typed twice in this form."))
                seen[number] = form
        message = services.head_rule_error(stored=set(), rows=rows)
        if message:
            raise ValidationError(message)


ResidentFormSet = inlineformset_factory(
    Household,
    Resident,
    form=ResidentForm,
    formset=BaseResidentFormSet,
    # One resident block (the head) to start with, "Another resident" adds more: three empty
    # blocks made the form 4,288 px tall on a phone and 70 Tab presses long.
    extra=0,
    min_num=1,
    validate_min=True,
    can_delete=False,
)

postcode_validator = RegexValidator(r"^\d{5}$", _("A postcode has exactly 5 digits."))


class DigitalAddressForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = DigitalAddress
        fields = [
            "latitude", "longitude", "location_code", "postcode", "source", "collected_on",
            "plate_installed",
        ]  # fmt: skip
        widgets = {
            "collected_on": DATE_WIDGET,
            "latitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
            "postcode": forms.TextInput(attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["postcode"].validators.append(postcode_validator)
        self.add_version_field()
        self.helper = _helper()

    def clean_location_code(self):
        # Opaque (Vpostcode today, the 12-digit location identifier later); unique when present.
        return (self.cleaned_data.get("location_code") or "").strip() or None

    def clean(self):
        data = super().clean()
        if data.get("latitude") is not None and data.get("longitude") is not None:
            try:
                validate_coordinates(data["latitude"], data["longitude"])
            except ValidationError as exc:
                self.add_error("latitude", exc)
        return data


class VillageAssetForm(forms.ModelForm):
    owner_household_number = forms.CharField(
        label=_("Owner household number"),
        required=False,
        max_length=20,
        help_text=_("Only for an asset owned by a household (e.g. a household camera)."),
    )

    class Meta:
        model = VillageAsset
        fields = [
            "village", "kind", "name", "at_cultural_house", "owner", "owner_household_number",
            "connected", "status", "installed_on", "latitude", "longitude", "note",
        ]  # fmt: skip
        widgets = {"installed_on": DATE_WIDGET, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope = scope_for(user)
        villages = [
            v
            for v in Village.objects.for_user(user).select_related("commune")
            if scope.may_manage_village(v)
        ]
        self.fields["village"].queryset = Village.objects.filter(pk__in=[v.pk for v in villages])
        if len(villages) == 1:
            self.fields["village"].initial = villages[0].pk
            self.fields["village"].widget = forms.HiddenInput()
        if self.instance.owner_household_id:
            self.fields["owner_household_number"].initial = self.instance.owner_household.number
        # Assets carry no version: a stale edit is found and merged by the snapshot (core.merge).
        self.merge_accessors = {
            "owner_household_number": (
                lambda a: a.owner_household.number if a.owner_household_id else "",
                lambda a, current: setattr(a, "owner_household_id", current.owner_household_id),
            )
        }
        merge.add_base_field(self)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        village, number = data.get("village"), (data.get("owner_household_number") or "").strip()
        if data.get("latitude") is not None and data.get("longitude") is not None:
            try:
                validate_coordinates(data["latitude"], data["longitude"])
            except ValidationError as exc:
                self.add_error("latitude", exc)
        self.owner_household = None
        if data.get("owner") == VillageAsset.Owner.HOUSEHOLD:
            if not number:
                self.add_error(
                    "owner_household_number", _("Enter the number of the owner household.")
                )
            elif village is not None:
                self.owner_household = (
                    Household.objects.for_user(self.user)
                    .filter(village=village, number=number)
                    .first()
                )
                if self.owner_household is None:
                    self.add_error(
                        "owner_household_number",
                        _("This village has no household with this number."),
                    )
        elif number:
            self.add_error(
                "owner_household_number",
                _("Only a household-owned asset is linked to a household."),
            )
        return data

    def save(self, commit=True):
        asset = super().save(commit=False)
        asset.owner_household = self.owner_household
        if commit:
            asset.save()
        return asset


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Upload an Excel file (.xlsx), e.g. the template."))
        return upload
