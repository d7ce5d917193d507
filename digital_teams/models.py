"""Community digital technology teams (Tổ công nghệ số cộng đồng): members, support work,
the registry changes they assisted, and who follows up which household."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.access import ScopedQuerySet
from core.fields import DerivedKeyField, NormalisedCharField, NormalisedTextField
from households.models import Household, Resident
from villages.models import Village


class Topic(models.TextChoices):
    """What a support activity was about (stored as one boolean column per topic)."""

    VNEID = "vneid", _("VNeID activation")
    DOCUMENTS = "documents", _("Document integration into VNeID")
    EPAYMENT = "epayment", _("E-payment account")
    ONLINE_SERVICES = "online_services", _("Online public services")
    DIGITAL_ADDRESS = "digital_address", _("Digital address")
    ECOMMERCE = "ecommerce", _("E-commerce")
    ONLINE_SAFETY = "online_safety", _("Online safety")


def topic_field(code: str) -> str:
    return f"topic_{code}"


class DigitalTeamQuerySet(ScopedQuerySet):
    village_path = "village_id"
    commune_path = "village__commune_id"


class DigitalTeam(models.Model):
    """The village's community digital technology team, set up by a commune decision."""

    village = models.OneToOneField(
        Village, on_delete=models.PROTECT, related_name="digital_team", verbose_name=_("village")
    )
    decision_number = NormalisedCharField(_("decision number"), max_length=40)
    decision_date = models.DateField(_("decision date"))
    founded_on = models.DateField(_("founded on"))
    note = NormalisedTextField(_("note"), blank=True)

    objects = DigitalTeamQuerySet.as_manager()

    class Meta:
        ordering = ["village__commune__code", "village__number"]
        verbose_name = _("digital team")
        verbose_name_plural = _("digital teams")

    def __str__(self) -> str:
        return str(_("Digital team of %(village)s") % {"village": self.village})


class TeamMemberQuerySet(ScopedQuerySet):
    village_path = "team__village_id"
    commune_path = "team__village__commune_id"

    def active(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(active_from__lte=on) | Q(active_from__isnull=True)).filter(
            Q(active_to__isnull=True) | Q(active_to__gte=on)
        )


class TeamMember(models.Model):
    """A person on a team, optionally linked to a portal account."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        MEMBER = "member", _("Member")

    class Position(models.TextChoices):
        PARTY_CELL_SECRETARY = "party_cell_secretary", _("Party-cell secretary")
        YOUTH_UNION_SECRETARY = "youth_union_secretary", _("Youth-union secretary")
        FRONT_COMMITTEE_HEAD = "front_committee_head", _("Head of the front work committee")
        WOMENS_UNION = "womens_union", _("Women's union")
        FARMERS_ASSOCIATION = "farmers_association", _("Farmers' association")
        VETERANS_ASSOCIATION = "veterans_association", _("Veterans' association")
        VILLAGE_HEAD = "village_head", _("Village head")
        OTHER = "other", _("Other")

    team = models.ForeignKey(
        DigitalTeam, on_delete=models.CASCADE, related_name="members", verbose_name=_("team")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team_members",
        verbose_name=_("portal account"),
    )
    full_name = NormalisedCharField(_("full name"), max_length=120)
    search_key = DerivedKeyField(max_length=120, sources=["full_name"])
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    position = models.CharField(
        _("position"), max_length=30, choices=Position.choices, default=Position.OTHER
    )
    phone = models.CharField(_("phone"), max_length=11, blank=True)
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_to = models.DateField(_("active to"), null=True, blank=True)

    objects = TeamMemberQuerySet.as_manager()

    class Meta:
        ordering = ["team", "role", "full_name"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=Q(user__isnull=False),
                name="team_member_unique_user",
                violation_error_message=_("This account is already a member of the team."),
            ),
            models.CheckConstraint(
                condition=Q(active_to__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_to__gte=models.F("active_from")),
                name="team_member_active_range",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def is_active_on(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return (self.active_from is None or self.active_from <= on) and (
            self.active_to is None or self.active_to >= on
        )

    @property
    def is_active(self) -> bool:
        return self.is_active_on()

    def clean(self):
        super().clean()
        from villages.models import Membership

        if (
            self.user_id
            and self.team_id
            and not Membership.objects.filter(
                user_id=self.user_id, village=self.team.village_id
            ).exists()
        ):
            raise ValidationError({"user": _("This account has no role in the team's village.")})


class SupportActivityQuerySet(ScopedQuerySet):
    village_path = "team__village_id"
    commune_path = "team__village__commune_id"

    def with_topic(self, code: str):
        return self.filter(**{topic_field(Topic(code).value): True})


class SupportActivity(models.Model):
    """A piece of support work: a home visit, group session, campaign day or remote help."""

    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", _("Home visit")
        GROUP_SESSION = "group_session", _("Group session")
        CAMPAIGN_DAY = "campaign_day", _("Campaign day")
        REMOTE_HELP = "remote_help", _("Remote help")

    team = models.ForeignKey(
        DigitalTeam, on_delete=models.CASCADE, related_name="activities", verbose_name=_("team")
    )
    date = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    # One boolean per topic: filterable with a plain WHERE on SQLite and PostgreSQL alike.
    topic_vneid = models.BooleanField(Topic.VNEID.label, default=False)
    topic_documents = models.BooleanField(Topic.DOCUMENTS.label, default=False)
    topic_epayment = models.BooleanField(Topic.EPAYMENT.label, default=False)
    topic_online_services = models.BooleanField(Topic.ONLINE_SERVICES.label, default=False)
    topic_digital_address = models.BooleanField(Topic.DIGITAL_ADDRESS.label, default=False)
    topic_ecommerce = models.BooleanField(Topic.ECOMMERCE.label, default=False)
    topic_online_safety = models.BooleanField(Topic.ONLINE_SAFETY.label, default=False)
    members = models.ManyToManyField(
        TeamMember, blank=True, related_name="activities", verbose_name=_("members who took part")
    )
    residents = models.ManyToManyField(
        Resident, blank=True, related_name="support_activities", verbose_name=_("residents helped")
    )
    participants = models.PositiveIntegerField(
        _("number of participants"),
        default=0,
        help_text=_("For group sessions and campaign days: how many people came."),
    )
    notes = NormalisedTextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = SupportActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("support activity")
        verbose_name_plural = _("support activities")
        indexes = [models.Index(fields=["team", "date"], name="activity_team_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d/%m/%Y}"

    @property
    def topics(self) -> list[Topic]:
        return [t for t in Topic if getattr(self, topic_field(t.value))]

    def set_topics(self, codes) -> None:
        chosen = {Topic(c).value for c in codes}
        for t in Topic:
            setattr(self, topic_field(t.value), t.value in chosen)


class Outcome(models.TextChoices):
    """A registry change a team member helped a resident make."""

    VNEID_LEVEL1 = "vneid_level1", _("Installed VNeID (level 1)")
    VNEID_LEVEL2 = "vneid_level2", _("Activated VNeID level 2")
    EPAYMENT = "epayment", _("Opened an e-payment account")
    HEALTH_INSURANCE = "doc_health_insurance", _("Integrated health insurance card")
    DRIVING_LICENCE = "doc_driving_licence", _("Integrated driving licence")
    VEHICLE_REGISTRATION = "doc_vehicle_registration", _("Integrated vehicle registration")
    ONLINE_SERVICES = "online_services", _("Used an online public service")


# outcome -> (Resident field, value set, topic of the activity)
OUTCOME_EFFECTS: dict[str, tuple[str, int | bool, str]] = {
    Outcome.VNEID_LEVEL1: ("vneid_level", 1, Topic.VNEID),
    Outcome.VNEID_LEVEL2: ("vneid_level", 2, Topic.VNEID),
    Outcome.EPAYMENT: ("has_epayment", True, Topic.EPAYMENT),
    Outcome.HEALTH_INSURANCE: ("doc_health_insurance", True, Topic.DOCUMENTS),
    Outcome.DRIVING_LICENCE: ("doc_driving_licence", True, Topic.DOCUMENTS),
    Outcome.VEHICLE_REGISTRATION: ("doc_vehicle_registration", True, Topic.DOCUMENTS),
    Outcome.ONLINE_SERVICES: ("uses_online_services", True, Topic.ONLINE_SERVICES),
}

ASSISTED_FIELDS = [
    ("vneid_level", _("VNeID level")),
    ("has_epayment", _("e-payment account")),
    ("doc_health_insurance", _("health insurance in VNeID")),
    ("doc_driving_licence", _("driving licence in VNeID")),
    ("doc_vehicle_registration", _("vehicle registration in VNeID")),
    ("uses_online_services", _("uses online public services")),
]


def encode_value(value) -> str:
    return str(int(value))


def decode_value(field_name: str, raw: str):
    field = Resident._meta.get_field(field_name)
    if isinstance(field, models.BooleanField):
        return raw == "1"
    return int(raw)


class AssistedChangeQuerySet(ScopedQuerySet):
    village_path = "activity__team__village_id"
    commune_path = "activity__team__village__commune_id"


class AssistedChange(models.Model):
    """One registry field of one resident that a support activity changed (the assisted mark)."""

    activity = models.ForeignKey(
        SupportActivity,
        on_delete=models.CASCADE,
        related_name="changes",
        verbose_name=_("activity"),
    )
    resident = models.ForeignKey(
        Resident,
        on_delete=models.CASCADE,
        related_name="assisted_changes",
        verbose_name=_("resident"),
    )
    field = models.CharField(_("field"), max_length=30, choices=ASSISTED_FIELDS)
    old_value = models.CharField(_("old value"), max_length=10)
    new_value = models.CharField(_("new value"), max_length=10)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    changed_at = models.DateTimeField(_("at"), default=timezone.now)

    objects = AssistedChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("assisted change")
        verbose_name_plural = _("assisted changes")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "resident", "field"],
                name="assisted_change_unique",
                violation_error_message=_("This activity already changed this field."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident}: {self.get_field_display()}"

    def _display(self, raw: str) -> str:
        value = decode_value(self.field, raw)
        field = Resident._meta.get_field(self.field)
        if field.choices:
            return str(dict(field.choices).get(value, value))
        return str(_("yes") if value else _("no"))

    @property
    def old_display(self) -> str:
        return self._display(self.old_value)

    @property
    def new_display(self) -> str:
        return self._display(self.new_value)


class FollowUpTopic(models.TextChoices):
    """A follow-up list: whom the team still has to help with one step."""

    VNEID_LEVEL2 = "vneid2", _("VNeID level 2 (residents 14+)")
    EPAYMENT = "epayment", _("E-payment account (adults)")
    SMARTPHONE = "smartphone", _("Smartphone (adults)")
    DOCUMENTS = "documents", _("Health insurance in VNeID (residents 14+)")
    DIGITAL_ADDRESS = "digital_address", _("Digital address (households)")


class FollowUpAssignmentQuerySet(ScopedQuerySet):
    village_path = "household__village_id"
    commune_path = "household__village__commune_id"


class FollowUpAssignment(models.Model):
    """A household given to a team member to follow up on one topic."""

    household = models.ForeignKey(
        Household,
        on_delete=models.CASCADE,
        related_name="followup_assignments",
        verbose_name=_("household"),
    )
    member = models.ForeignKey(
        TeamMember,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("team member"),
    )
    topic = models.CharField(_("topic"), max_length=20, choices=FollowUpTopic.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    objects = FollowUpAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["topic", "household"]
        verbose_name = _("follow-up assignment")
        verbose_name_plural = _("follow-up assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "topic"],
                name="followup_unique_household_topic",
                violation_error_message=_("This household is already assigned for this topic."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} – {self.member} – {self.get_topic_display()}"

    def clean(self):
        super().clean()
        if (
            self.household_id
            and self.member_id
            and self.household.village_id != self.member.team.village_id
        ):
            raise ValidationError(
                {"member": _("The member must belong to the household's village team.")}
            )
