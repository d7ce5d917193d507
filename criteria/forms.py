from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from villages.models import Village

from .models import CriteriaSet, ManualEvidence


class ManualEvidenceForm(forms.ModelForm):
    """An official enters the value of a manual criterion, with the evidence file."""

    class Meta:
        model = ManualEvidence
        fields = ["village", "value", "numerator", "denominator", "option", "reference", "note",
                  "file"]  # fmt: skip
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, commune, criterion, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.commune = commune
        self.instance.criterion = criterion
        self.instance.entered_by = user
        if criterion.criteria_set.level == CriteriaSet.Level.VILLAGE:
            # Only this commune's villages the user may reach: a tampered id is refused.
            self.fields["village"].queryset = Village.objects.for_user(user).filter(commune=commune)
            self.fields["village"].required = True
        else:
            del self.fields["village"]
        options = criterion.option_list
        if options:
            self.fields["option"] = forms.ChoiceField(
                label=_("chosen option"), choices=[("", "---------")] + [(o, o) for o in options]
            )
        else:
            del self.fields["option"]
        if criterion.unit == "boolean":
            self.fields["value"] = forms.TypedChoiceField(
                label=_("Met?"),
                choices=[("1", _("Yes")), ("0", _("No"))],
                coerce=int,
                initial="1",
            )
            del self.fields["numerator"]
            del self.fields["denominator"]
        else:
            self.fields["numerator"].help_text = criterion.help_text
        self.fields["file"].required = criterion.requires_evidence
        self.fields["file"].help_text = _("PDF, JPG, PNG, DOCX or XLSX, at most 10 MB.")

    def clean_value(self):
        value = self.cleaned_data.get("value")
        return None if value in ("", None) else value
