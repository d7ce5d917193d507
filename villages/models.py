"""Administrative units (2025 two-level list: province -> commune), villages and user roles."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet
from core.fields import DerivedKeyField, NormalisedCharField, NormalisedTextField
from core.models import RecordedMixin

commune_code_validator = RegexValidator(
    r"^\d{5}$", _("A commune code has exactly 5 digits (zero-padded), e.g. 06913.")
)
province_code_validator = RegexValidator(
    r"^\d{2}$", _("A province code has exactly 2 digits (zero-padded), e.g. 22.")
)


class CommuneQuerySet(ScopedQuerySet):
    commune_path = "id"


class Commune(models.Model):
    """A commune-level unit (xã, phường, đặc khu) with its official code."""

    code = models.CharField(
        _("code"), max_length=5, unique=True, validators=[commune_code_validator]
    )
    name = models.CharField(_("name"), max_length=120)
    division_type = models.CharField(_("division type"), max_length=20, blank=True)
    province_code = models.CharField(
        _("province code"), max_length=2, validators=[province_code_validator], db_index=True
    )
    province_name = models.CharField(_("province name"), max_length=120)
    # Pre-2025 identity, kept as plain text: mergers happen and old records cite old names.
    former_code = models.CharField(_("former code (before 2025)"), max_length=5, blank=True)
    former_name = models.CharField(_("former name (before 2025)"), max_length=200, blank=True)
    # Bumped by every administrative change recorded for the commune (villages.services): the
    # public pages' cache version, and "no history to read" without a query when 0.
    unit_changes = models.PositiveIntegerField(
        _("administrative changes recorded"), default=0, editable=False
    )

    objects = CommuneQuerySet.as_manager()

    class Meta:
        ordering = ["province_code", "code"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return f"{self.name} ({self.province_name})"


class VillageQuerySet(ScopedQuerySet):
    village_path = "id"
    commune_path = "commune_id"


class Village(models.Model):
    """A village (thôn, bản) of a commune; code = '<commune code>-<nn>'."""

    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="villages", verbose_name=_("commune")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    code = models.CharField(_("code"), max_length=8, unique=True, editable=False)
    name = NormalisedCharField(_("name"), max_length=120)
    former_name = NormalisedCharField(_("former name"), max_length=200, blank=True)
    search_key = DerivedKeyField(max_length=200, sources=["name", "former_name"])

    objects = VillageQuerySet.as_manager()

    class Meta:
        ordering = ["commune__code", "number"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "number"],
                name="village_unique_number_in_commune",
                violation_error_message=_("This commune already has a village with this number."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=99),
                name="village_number_1_99",
                violation_error_message=_("A village number is between 1 and 99."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The code is derived, never typed: it must always agree with commune and number.
        self.code = self.make_code(self.commune.code, self.number)
        super().save(*args, **kwargs)

    @staticmethod
    def make_code(commune_code: str, number: int) -> str:
        return f"{commune_code}-{number:02d}"

    def commune_at(self, day) -> Commune:
        """The commune the village belonged to on `day` (its affiliation history, recorded at
        each move; the current commune when no recorded period covers the day)."""
        for row in self.affiliations.select_related("commune"):
            if row.covers(day):
                return row.commune
        return self.commune


class MembershipQuerySet(ScopedQuerySet):
    village_path = "village_id"
    commune_path = "commune_id"


class Membership(models.Model):
    """A user's role: official of a commune, or leader/member of a village's digital team."""

    class Role(models.TextChoices):
        OFFICIAL = "official", _("Commune official")
        LEADER = "leader", _("Team leader")
        MEMBER = "member", _("Team member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("commune")
    )
    village = models.ForeignKey(
        Village,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("village"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="official") & Q(village__isnull=True))
                | (Q(role__in=["leader", "member"]) & Q(village__isnull=False)),
                name="membership_role_matches_level",
                violation_error_message=_(
                    "An official belongs to a commune without a village; "
                    "a team leader or member belongs to one village."
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "commune"],
                condition=Q(village__isnull=True),
                name="membership_unique_official",
                violation_error_message=_("This user is already an official of this commune."),
            ),
            models.UniqueConstraint(
                fields=["user", "village"],
                condition=Q(village__isnull=False),
                name="membership_unique_team",
                violation_error_message=_("This user already has a role in this village."),
            ),
        ]

    def __str__(self) -> str:
        where = self.village or self.commune
        return f"{self.user} – {self.get_role_display()} – {where}"

    def clean(self):
        if self.village_id and self.commune_id and self.village.commune_id != self.commune_id:
            raise ValidationError({"village": _("The village must belong to the chosen commune.")})


class VillageAssetQuerySet(ScopedQuerySet):
    village_path = "village_id"
    commune_path = "village__commune_id"


class VillageAsset(models.Model):
    """Village infrastructure that feeds the smart-village criteria."""

    class Kind(models.TextChoices):
        WIFI = "wifi", _("Free wifi hotspot")
        CAMERA = "camera", _("Road-safety camera")
        LOUDSPEAKER = "loudspeaker", _("Smart loudspeaker")
        COMPUTER = "computer", _("Public computer")

    class Owner(models.TextChoices):
        COMMUNE = "commune", _("Commune")
        HOUSEHOLD = "household", _("Household")

    class Status(models.TextChoices):
        WORKING = "working", _("Working")
        BROKEN = "broken", _("Broken")

    village = models.ForeignKey(
        Village, on_delete=models.PROTECT, related_name="assets", verbose_name=_("village")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, db_index=True)
    name = NormalisedCharField(_("name / location"), max_length=150)
    at_cultural_house = models.BooleanField(_("at the cultural house"), default=False)
    owner = models.CharField(
        _("owner"), max_length=10, choices=Owner.choices, default=Owner.COMMUNE
    )
    owner_household = models.ForeignKey(
        "households.Household",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assets",
        verbose_name=_("owner household"),
    )
    connected = models.BooleanField(_("connected to the village monitoring network"), default=False)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WORKING
    )
    note = NormalisedTextField(_("note"), blank=True)

    objects = VillageAssetQuerySet.as_manager()

    class Meta:
        ordering = ["village", "kind", "name"]
        verbose_name = _("village asset")
        verbose_name_plural = _("village assets")
        constraints = [
            models.CheckConstraint(
                condition=Q(owner="household") | Q(owner_household__isnull=True),
                name="asset_household_owner_consistent",
                violation_error_message=_("Only a household-owned asset is linked to a household."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class ProvinceMembership(models.Model):
    """A provincial NTM coordination office account: reads the figures of every commune of one
    province (core.access.PROVINCE_READABLE), never personal data."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="province_memberships",
        verbose_name=_("user"),
    )
    province_code = models.CharField(
        _("province code"), max_length=2, validators=[province_code_validator]
    )

    class Meta:
        ordering = ["province_code", "user"]
        verbose_name = _("provincial office membership")
        verbose_name_plural = _("provincial office memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "province_code"],
                name="provincemembership_unique",
                violation_error_message=_("This user already follows this province."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.province_code}"


# --- Administrative changes (issue 17 item 6) -----------------------------------------------


class VillageAffiliationQuerySet(ScopedQuerySet):
    # Figures of a commune's past (which villages it had, when): reached by the officials of
    # that commune, never personal data.
    commune_path = "commune_id"


class VillageAffiliation(RecordedMixin):
    """One period of a village in one commune, written when the village moves
    (villages.services.village_move): the village's code and number there, from / until
    (both days included; empty = open)."""

    village = models.ForeignKey(
        Village, on_delete=models.CASCADE, related_name="affiliations", verbose_name=_("village")
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        related_name="village_affiliations",
        verbose_name=_("commune"),
    )
    code = models.CharField(_("village code then"), max_length=8)
    number = models.PositiveSmallIntegerField(_("number then"))
    name = models.CharField(_("name then"), max_length=120)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_until = models.DateField(_("until (last day)"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=120, blank=True)

    objects = VillageAffiliationQuerySet.as_manager()

    class Meta:
        ordering = ["village", "valid_from"]
        verbose_name = _("village affiliation")
        verbose_name_plural = _("village affiliations")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="villageaffiliation_dates_in_order",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(valid_until__isnull=True),
                name="villageaffiliation_one_open",
                violation_error_message=_("A village has one current commune."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.commune.name}"

    def covers(self, day) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


class CommunePredecessor(RecordedMixin):
    """A commune merged into `successor` (or a pre-2025 unit it was formed from): its code and
    name, its last day and the decision. `predecessor` is the commune's own row when the
    portal has it (its records keep pointing there), empty for units entered by hand."""

    successor = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        related_name="predecessors",
        verbose_name=_("successor commune"),
    )
    predecessor = models.ForeignKey(
        Commune,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successor_records",
        verbose_name=_("predecessor commune in the portal"),
    )
    code = models.CharField(_("code"), max_length=5, validators=[commune_code_validator])
    name = models.CharField(_("name"), max_length=120)
    until = models.DateField(_("until (last day)"))
    decision = models.CharField(
        _("decision"), max_length=120, blank=True, help_text=_("e.g. 1682/NQ-UBTVQH15.")
    )

    class Meta:
        ordering = ["successor", "-until", "code"]
        verbose_name = _("predecessor commune")
        verbose_name_plural = _("predecessor communes")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor"],
                condition=Q(predecessor__isnull=False),
                name="communepredecessor_merged_once",
                violation_error_message=_("This commune has already been merged."),
            ),
            models.UniqueConstraint(
                fields=["successor", "code"],
                name="communepredecessor_unique_code",
                violation_error_message=_("This predecessor is already recorded."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code}) → {self.successor.name}"
