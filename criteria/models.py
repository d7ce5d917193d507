"""Criteria catalogues (versioned data, not code), manual evidence and roll-up snapshots.

- `CriteriaSet` + `Criterion`: a catalogue such as Decision 319/QĐ-TTg or a provincial
  smart-village set. A set that already has assessments is never edited in place: editing makes
  a new version (services.criteria_set_new_version) and old assessments keep their version.
- `ManualEvidence`: an official's value for a manual criterion, with a file as evidence.
- `RollupRun` + `Assessment`: one snapshot per run and criterion and village (village empty =
  commune level). `latest` marks the rows of the newest run of each commune.
"""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet, scope_for
from core.files import private_storage
from core.models import EnteredMixin
from villages.models import Commune, Village

# --- Catalogues ---------------------------------------------------------------------------------


class CriteriaSetQuerySet(models.QuerySet):
    """Catalogues are not commune rows: national sets (no province) are visible to every official,
    provincial sets to the officials of that province's communes."""

    def for_user(self, user):
        """The sets the user may read: national ones and their communes' provinces' ones."""
        scope = scope_for(user)
        if scope.superuser:
            return self
        if not scope.official_commune_ids and not scope.team_commune_ids:
            return self.none()
        provinces = set(
            Commune.objects.filter(
                pk__in=scope.official_commune_ids | scope.team_commune_ids
            ).values_list("province_code", flat=True)
        )
        return self.filter(Q(province_code="") | Q(province_code__in=provinces))

    def editable_by(self, user):
        """The sets the user may change: national catalogues are law (a superuser only);
        an official edits the provincial sets of their communes' provinces."""
        scope = scope_for(user)
        if scope.superuser:
            return self
        provinces = set(
            Commune.objects.filter(pk__in=scope.official_commune_ids).values_list(
                "province_code", flat=True
            )
        )
        return self.filter(province_code__in=provinces).exclude(province_code="")

    def active(self):
        return self.filter(is_active=True)

    def for_commune(self, commune: Commune):
        """The active sets that apply to a commune: national ones and its province's."""
        return self.active().filter(Q(province_code="") | Q(province_code=commune.province_code))


class CriteriaSet(models.Model):
    """A versioned catalogue of criteria (e.g. 319/QĐ-TTg model commune, a smart-village set)."""

    class Level(models.TextChoices):
        COMMUNE = "commune", _("Commune")
        VILLAGE = "village", _("Village")

    class Tier(models.TextChoices):
        NTM = "ntm", _("NTM commune")
        ADVANCED = "advanced", _("Advanced NTM commune")
        MODEL = "model", _("Model NTM commune")
        MODERN = "modern", _("Modern NTM commune (pilot)")
        SMART_VILLAGE = "smart_village", _("Smart village")
        OTHER = "other", _("Other")

    code = models.CharField(
        _("code"),
        max_length=40,
        help_text=_("Stable code shared by every version, e.g. QD319-2021-2025."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    title = models.CharField(_("title"), max_length=300)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.OTHER)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    province_code = models.CharField(
        _("province code"),
        max_length=2,
        blank=True,
        help_text=_("Two digits for a provincial set; empty for a national set."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active sets are computed in roll-ups.")
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="next_versions",
        verbose_name=_("previous version"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CriteriaSetQuerySet.as_manager()

    class Meta:
        ordering = ["level", "code", "-version"]
        verbose_name = _("criteria set")
        verbose_name_plural = _("criteria sets")
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"],
                name="criteriaset_unique_version",
                violation_error_message=_("This version of the set already exists."),
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(is_active=True),
                name="criteriaset_one_active_version",
                violation_error_message=_("Only one version of a set can be active."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"

    @property
    def superseded_by(self) -> CriteriaSet | None:
        return self.next_versions.order_by("-version").first()

    def in_use(self) -> bool:
        """True once any assessment was computed with this version (it is then frozen)."""
        return Assessment.objects.filter(criterion__criteria_set=self).exists()

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date is before the start date.")})
        if self.province_code and not (
            len(self.province_code) == 2 and self.province_code.isdigit()
        ):
            raise ValidationError(
                {"province_code": _("A province code has exactly 2 digits, e.g. 22.")}
            )


class CriterionQuerySet(models.QuerySet):
    def for_user(self, user):
        sets = CriteriaSet.objects.for_user(user)
        return self.filter(criteria_set__in=sets)


class Criterion(models.Model):
    """One requirement of a set: computed from an indicator of the registry, or entered by hand."""

    class Comparator(models.TextChoices):
        GTE = "gte", "≥"
        LTE = "lte", "≤"
        EQ = "eq", "="
        BOOL = "bool", _("yes / no")

    class Unit(models.TextChoices):
        PERCENT = "percent", _("percent")
        COUNT = "count", _("count")
        BOOLEAN = "boolean", _("yes / no")
        VND = "vnd", _("VND")
        # A figure as a percentage of a reference level (e.g. income = 110 % of the advanced-NTM
        # income level): read as a percentage, but may exceed 100.
        RATIO = "ratio", _("percent of a reference")

    PERCENT_UNITS = ("percent", "ratio")

    class ThresholdBasis(models.TextChoices):
        # The threshold is the legal text's (national decision, or the province's own text).
        OFFICIAL = "official", _("set by the legal text")
        # No province text gives it (smart-village sets before the province issues its own):
        # the commune chose it, often from another province's published set. Pages say so.
        COMMUNE_CHOICE = "commune_choice", _("chosen by the commune")

    criteria_set = models.ForeignKey(
        CriteriaSet,
        on_delete=models.CASCADE,
        related_name="criteria",
        verbose_name=_("criteria set"),
    )
    code = models.CharField(_("code"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    indicator_key = models.CharField(
        _("indicator"),
        max_length=60,
        blank=True,
        help_text=_("Key of the computed indicator; empty = manual criterion (entered evidence)."),
    )
    comparator = models.CharField(
        _("comparator"), max_length=4, choices=Comparator.choices, default=Comparator.GTE
    )
    target = models.DecimalField(
        _("target"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PERCENT)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=Decimal(1))
    requires_evidence = models.BooleanField(
        _("requires an evidence file"),
        default=False,
        help_text=_("Manual criteria only: a value counts only with an attached file."),
    )
    options = models.TextField(
        _("options"),
        blank=True,
        help_text=_("Manual criteria: choices offered to the official, one per line."),
    )
    help_text = models.TextField(
        _("definition"),
        blank=True,
        help_text=_("Numerator, denominator, filters and source of the figure."),
    )
    source = models.TextField(
        _("source"),
        blank=True,
        help_text=_("Where the requirement and its threshold come from (document, article)."),
    )
    group_targets = models.JSONField(
        _("targets by commune group"),
        default=dict,
        blank=True,
        help_text=_(
            'Targets per commune group, e.g. {"1": 95, "2": 90, "3": 80}; empty = one target.'
        ),
    )
    threshold_basis = models.CharField(
        _("threshold basis"),
        max_length=16,
        choices=ThresholdBasis.choices,
        default=ThresholdBasis.OFFICIAL,
        help_text=_(
            "Whether a legal text sets the threshold, or the commune chose it because no "
            "provincial text gives one (pages then say so next to the threshold)."
        ),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = CriterionQuerySet.as_manager()

    class Meta:
        ordering = ["criteria_set", "order", "code"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(
                fields=["criteria_set", "code"],
                name="criterion_unique_code_in_set",
                violation_error_message=_("This set already has a criterion with this code."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"

    @property
    def is_manual(self) -> bool:
        return not self.indicator_key

    manual = is_manual

    @property
    def has_gap(self) -> bool:
        """True when the indicator can list the missing rows (residents, households...)."""
        from .registry import REGISTRY

        item = REGISTRY.get(self.indicator_key)
        return item is not None and item._gap is not None

    @property
    def option_list(self) -> list[str]:
        return [line.strip() for line in self.options.splitlines() if line.strip()]

    def clean(self):
        from .registry import REGISTRY

        errors = {}
        if self.indicator_key and self.indicator_key not in REGISTRY:
            errors["indicator_key"] = _("Unknown indicator: %(key)s.") % {"key": self.indicator_key}
        if self.comparator != self.Comparator.BOOL and self.target is None:
            errors["target"] = _("A target is required unless the comparator is yes / no.")
        if self.unit == self.Unit.PERCENT and self.target is not None and self.target > 100:
            errors["target"] = _(
                "A percentage target is at most 100; for a share of a reference level (such as "
                'an income level) choose the unit "percent of a reference".'
            )
        if self.group_targets:
            if not isinstance(self.group_targets, dict) or set(map(str, self.group_targets)) - {
                "1",
                "2",
                "3",
            }:
                errors["group_targets"] = _("Commune groups are 1, 2 and 3.")
            else:
                try:
                    [Decimal(str(v)) for v in self.group_targets.values() if v is not None]
                except (ArithmeticError, ValueError):
                    errors["group_targets"] = _("Each group target is a number.")
        if errors:
            raise ValidationError(errors)

    def requirement_display(self) -> str:
        from .formatting import format_requirement

        return format_requirement(self)

    @property
    def is_commune_choice(self) -> bool:
        return self.threshold_basis == self.ThresholdBasis.COMMUNE_CHOICE

    def requirement_note(self) -> str:
        """What people read next to the threshold: whose threshold it is ('' = the legal
        text's, one target for every commune)."""
        from .formatting import format_requirement_note

        return format_requirement_note(self)

    # The commune group whose target `target` holds (set by for_group); None = the general one.
    group: int | None = None

    def for_group(self, group: int | None) -> Criterion:
        """This criterion with the target of the commune's group (when the file gives one)."""
        if group is not None and self.group_targets.get(str(group)) is not None:
            self.target = Decimal(str(self.group_targets[str(group)]))
            self.group = group
        return self

    def is_met(self, value: Decimal | None) -> bool | None:
        """Compare a value with the target; None when there is no value."""
        if value is None:
            return None
        if self.comparator == self.Comparator.BOOL:
            return value != 0
        if self.target is None:
            return None
        if self.comparator == self.Comparator.GTE:
            return value >= self.target
        if self.comparator == self.Comparator.LTE:
            return value <= self.target
        return value == self.target

    def needed(self, numerator, denominator) -> int | None:
        """How many more rows (residents, households) reach the target: ceil(t*den - num)."""
        if self.comparator != self.Comparator.GTE or self.target is None:
            return None
        if numerator is None:
            return None
        if self.unit in self.PERCENT_UNITS:
            if not denominator:
                return None
            missing = self.target / Decimal(100) * Decimal(denominator) - Decimal(numerator)
        elif self.unit == self.Unit.COUNT:
            missing = self.target - Decimal(numerator)
        else:
            return None
        return max(0, math.ceil(missing))


# --- Manual evidence ----------------------------------------------------------------------------

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# Extension -> accepted leading bytes (checked, not trusted from the browser's content type).
EVIDENCE_SIGNATURES = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
}


def validate_evidence_file(upload) -> None:
    """Accept PDF, images and Office files up to 10 MB whose content matches the extension."""
    extension = PurePath(upload.name or "").suffix.lower()
    if extension not in EVIDENCE_SIGNATURES:
        raise ValidationError(
            _("Unsupported file type: upload a PDF, JPG, PNG, DOCX or XLSX file."),
            code="file_type",
        )
    if upload.size is not None and upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB."), code="file_size")
    position = upload.tell() if hasattr(upload, "tell") else 0
    upload.seek(0)
    head = upload.read(8)
    upload.seek(position)
    if not any(head.startswith(sig) for sig in EVIDENCE_SIGNATURES[extension]):
        raise ValidationError(
            _("The file content does not match its type (%(ext)s).") % {"ext": extension},
            code="file_content",
        )


def evidence_upload_to(instance, filename: str) -> str:
    # Unguessable names: the file is served only through a permission-checked view.
    return f"criteria/evidence/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class ManualEvidenceQuerySet(ScopedQuerySet):
    commune_path = "commune_id"
    village_path = "village_id"


class ManualEvidence(EnteredMixin):
    """An official's value for a manual criterion, with the document that proves it."""

    criterion = models.ForeignKey(
        Criterion,
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name=_("criterion"),
        limit_choices_to={"indicator_key": ""},
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="criteria_evidence",
        verbose_name=_("commune"),
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="criteria_evidence",
        verbose_name=_("village"),
        help_text=_("Empty for a commune-level criterion."),
    )
    value = models.DecimalField(
        _("value"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "For yes / no criteria: 1 = yes, 0 = no. Computed when both numbers below are given."
        ),
    )
    numerator = models.DecimalField(
        _("numerator"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    denominator = models.DecimalField(
        _("denominator"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    option = models.CharField(_("chosen option"), max_length=200, blank=True)
    reference = models.CharField(
        _("document reference"),
        max_length=200,
        blank=True,
        help_text=_("Number and date of the decision or report, e.g. 1234/QĐ-UBND 12/10/2024."),
    )
    note = models.TextField(_("note"), blank=True)
    file = models.FileField(
        _("evidence file"),
        upload_to=evidence_upload_to,
        storage=private_storage,
        blank=True,
        validators=[validate_evidence_file],
    )

    objects = ManualEvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-entered_at", "-id"]
        verbose_name = _("manual evidence")
        verbose_name_plural = _("manual evidence")
        indexes = [models.Index(fields=["commune", "criterion"], name="evidence_commune_crit")]

    def __str__(self) -> str:
        return f"{self.criterion.code} – {self.village or self.commune}"

    def clean(self):
        errors: dict[str, list] = {}
        criterion = self.criterion if self.criterion_id else None
        if criterion is not None:
            if not criterion.is_manual:
                errors.setdefault("criterion", []).append(
                    _("This criterion is computed from the data; no manual value is needed.")
                )
            level = criterion.criteria_set.level
            if level == CriteriaSet.Level.VILLAGE and not self.village_id:
                errors.setdefault("village", []).append(_("Choose the village."))
            if level == CriteriaSet.Level.COMMUNE and self.village_id:
                errors.setdefault("village", []).append(
                    _("A commune-level criterion has no village.")
                )
            if criterion.requires_evidence and not self.file:
                errors.setdefault("file", []).append(_("Attach the evidence file."))
            options = criterion.option_list
            if options and self.option not in options:
                errors.setdefault("option", []).append(_("Choose one of the options."))
        if self.village_id and self.commune_id and self.village.commune_id != self.commune_id:
            errors.setdefault("village", []).append(
                _("The village must belong to the chosen commune.")
            )
        if self.denominator is not None and self.denominator <= 0:
            errors.setdefault("denominator", []).append(_("The denominator must be above zero."))
        for name in ("numerator", "value"):
            if getattr(self, name) is not None and getattr(self, name) < 0:
                errors.setdefault(name, []).append(_("Numbers cannot be negative."))
        if (self.numerator is None) != (self.denominator is None):
            errors.setdefault("denominator", []).append(
                _("Give both the numerator and the denominator, or neither.")
            )
        if self.value is None and self.numerator is None:
            errors.setdefault("value", []).append(_("Enter a value."))
        if errors:
            raise ValidationError(errors)

    def effective_value(self) -> Decimal | None:
        """The value the roll-up uses: numerator/denominator (x100 for percent) when given."""
        if self.numerator is not None and self.denominator:
            ratio = Decimal(self.numerator) / Decimal(self.denominator)
            if self.criterion.unit in Criterion.PERCENT_UNITS:
                ratio *= 100
            return ratio.quantize(Decimal("0.01"))
        return self.value


# --- Roll-ups and snapshots ---------------------------------------------------------------------


class RollupRunQuerySet(ScopedQuerySet):
    commune_path = "commune_id"


class RollupRun(models.Model):
    """One computation of every active criterion for a commune and its villages."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="rollup_runs", verbose_name=_("commune")
    )
    on = models.DateField(_("assessment date"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    trigger = models.CharField(_("triggered by"), max_length=20, blank=True)
    error = models.TextField(_("error"), blank=True)
    # A requested run (queued) is claimed by the worker with a fresh token and a heartbeat it
    # renews while computing (criteria/jobs.py); a stale heartbeat means the worker died.
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = RollupRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        get_latest_by = "started_at"
        verbose_name = _("roll-up run")
        verbose_name_plural = _("roll-up runs")
        indexes = [models.Index(fields=["commune", "-started_at"], name="rollup_commune_started")]

    def __str__(self) -> str:
        return f"{self.commune.name} – {self.started_at:%d/%m/%Y %H:%M}"


class AssessmentQuerySet(ScopedQuerySet):
    commune_path = "commune_id"
    village_path = "village_id"

    def latest(self):
        return self.filter(latest=True)


class Assessment(models.Model):
    """A snapshot: one criterion, one scope (village, or the commune when village is empty)."""

    class Status(models.TextChoices):
        MET = "met", _("Met")
        NOT_MET = "not_met", _("Not met")
        NO_DATA = "no_data", _("No data")
        NOT_APPLICABLE = "na", _("Not applicable")

    run = models.ForeignKey(
        RollupRun, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("run")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("commune")
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("criterion")
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("village"),
    )
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2, null=True)
    numerator = models.DecimalField(_("numerator"), max_digits=18, decimal_places=2, null=True)
    denominator = models.DecimalField(_("denominator"), max_digits=18, decimal_places=2, null=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    met = models.BooleanField(_("met"), null=True)
    evidence = models.ForeignKey(
        ManualEvidence,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("evidence"),
    )
    latest = models.BooleanField(_("latest"), default=True)
    computed_at = models.DateTimeField(_("computed at"))

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["criterion__criteria_set", "criterion__order", "village__number"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [
            models.Index(
                fields=["commune", "criterion", "village"],
                condition=Q(latest=True),
                name="assessment_latest",
            ),
            models.Index(fields=["criterion", "village", "computed_at"], name="assessment_trend"),
        ]

    def __str__(self) -> str:
        where = self.village or self.commune
        return f"{self.criterion.code} – {where} – {self.get_status_display()}"

    @property
    def status_label(self) -> str:
        """The status as people read it; a manual criterion without evidence yet reads
        "Awaiting evidence" rather than "No data" (nothing to compute: an official enters it)."""
        if self.status == self.Status.NO_DATA and self.criterion.is_manual:
            return str(_("Awaiting evidence"))
        return str(self.get_status_display())

    @property
    def needed(self) -> int | None:
        if self.status != self.Status.NOT_MET:
            return None
        return self.criterion.needed(self.numerator, self.denominator)


# --- Commune groups (Decision 51/2025/QĐ-TTg) ---------------------------------------------------


class CommuneGroupQuerySet(ScopedQuerySet):
    commune_path = "commune_id"

    def for_period(self, period: str):
        return self.filter(period=period)


class CommuneGroup(EnteredMixin):
    """The commune's group (1, 2 or 3) for a programme period, with the decision assigning it;
    thresholds that differ by group (Criterion.group_targets) use it."""

    class Group(models.IntegerChoices):
        ONE = 1, _("Group 1")
        TWO = 2, _("Group 2")
        THREE = 3, _("Group 3")

    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="criteria_groups", verbose_name=_("commune")
    )
    period = models.CharField(
        _("period"), max_length=9, default="2026-2030", help_text=_("e.g. 2026-2030.")
    )
    group = models.PositiveSmallIntegerField(_("commune group"), choices=Group.choices)
    decision_number = models.CharField(
        _("decision number"), max_length=60, help_text=_("e.g. 123/QĐ-UBND.")
    )
    decision_date = models.DateField(_("decision date"))
    issued_by = models.CharField(_("issued by"), max_length=200, blank=True)

    objects = CommuneGroupQuerySet.as_manager()

    class Meta:
        ordering = ["commune", "-period"]
        verbose_name = _("commune group")
        verbose_name_plural = _("commune groups")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "period"],
                name="communegroup_one_per_period",
                violation_error_message=_("This commune already has a group for this period."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.commune} – {self.period}: {self.get_group_display()}"


def period_of(criteria_set: CriteriaSet) -> str:
    """'2026-2030' from a set's validity years ('' when it has no start)."""
    if not criteria_set.valid_from:
        return ""
    end = criteria_set.valid_to.year if criteria_set.valid_to else ""
    return f"{criteria_set.valid_from.year}-{end}"
