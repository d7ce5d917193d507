"""Recording an outcome changes the registry in the same transaction; undo puts it back."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from digital_teams.models import AssistedChange, Outcome, SupportActivity
from digital_teams.services import support_activity_record, support_activity_undo
from households.models import Resident

from .factories import ResidentFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def record(team, user, outcomes, **kwargs):
    return support_activity_record(
        team=team,
        user=user,
        date=kwargs.pop("date", TODAY),
        kind=kwargs.pop("kind", SupportActivity.Kind.HOME_VISIT),
        outcomes=outcomes,
        **kwargs,
    )


def test_outcome_changes_resident_and_marks_it_assisted(
    team_a1, tm_leader_a1, leader_a1, resident_a1
):
    version = resident_a1.version
    activity = record(team_a1, leader_a1, {resident_a1: [Outcome.VNEID_LEVEL2, Outcome.EPAYMENT]})
    resident_a1.refresh_from_db()
    assert resident_a1.vneid_level == 2
    assert resident_a1.has_epayment is True
    assert resident_a1.version == version + 1
    changes = {c.field: c for c in AssistedChange.objects.filter(resident=resident_a1)}
    assert set(changes) == {"vneid_level", "has_epayment"}
    assert changes["vneid_level"].old_value == "1" and changes["vneid_level"].new_value == "2"
    assert changes["vneid_level"].changed_by == leader_a1
    assert changes["vneid_level"].activity == activity
    # Topics follow from the outcomes; the recording member took part; the resident was helped.
    assert activity.topic_vneid and activity.topic_epayment and not activity.topic_documents
    assert list(activity.members.all()) == [tm_leader_a1]
    assert list(activity.residents.all()) == [resident_a1]


def test_history_shows_who_and_why(team_a1, leader_a1, resident_a1):
    activity = record(team_a1, leader_a1, {resident_a1.pk: [Outcome.VNEID_LEVEL2]})
    latest = resident_a1.history.order_by("-history_id").first()
    assert latest.vneid_level == 2
    assert latest.history_user == leader_a1
    assert f"#{activity.pk}" in latest.history_change_reason


def test_outcome_already_reached_is_not_an_assisted_change(team_a1, leader_a1, resident_a1):
    resident_a1.vneid_level = 2
    resident_a1.save()
    record(team_a1, leader_a1, {resident_a1: [Outcome.VNEID_LEVEL2, Outcome.VNEID_LEVEL1]})
    resident_a1.refresh_from_db()
    assert resident_a1.vneid_level == 2  # level 1 "installed" never downgrades
    assert not AssistedChange.objects.exists()


def test_undo_restores_previous_values(team_a1, leader_a1, resident_a1):
    activity = record(team_a1, leader_a1, {resident_a1: [Outcome.VNEID_LEVEL2, Outcome.EPAYMENT]})
    result = support_activity_undo(activity=activity, user=leader_a1)
    resident_a1.refresh_from_db()
    assert (resident_a1.vneid_level, resident_a1.has_epayment) == (1, False)
    assert len(result.restored) == 2 and result.kept == []
    assert not SupportActivity.objects.exists() and not AssistedChange.objects.exists()
    assert resident_a1.version == 3  # one bump for the change, one for the undo
    latest = resident_a1.history.order_by("-history_id").first()
    assert "#" in latest.history_change_reason and latest.vneid_level == 1


def test_undo_keeps_a_field_changed_since(team_a1, leader_a1, official_a, resident_a1):
    activity = record(team_a1, leader_a1, {resident_a1: [Outcome.VNEID_LEVEL2, Outcome.EPAYMENT]})
    # Someone corrects the registry afterwards: the level was really 1 after all... then 0.
    Resident.objects.filter(pk=resident_a1.pk).update(vneid_level=0)
    result = support_activity_undo(activity=activity, user=official_a)
    resident_a1.refresh_from_db()
    assert resident_a1.vneid_level == 0  # left as the later edit set it
    assert resident_a1.has_epayment is False  # restored
    assert [c.field for c in result.kept] == ["vneid_level"]
    assert [c.field for c in result.restored] == ["has_epayment"]


def test_failure_rolls_back_every_change(team_a1, leader_a1, resident_a1, resident_b1):
    with pytest.raises(ValidationError):
        record(
            team_a1,
            leader_a1,
            {resident_a1: [Outcome.VNEID_LEVEL2], resident_b1: [Outcome.VNEID_LEVEL2]},
        )
    resident_a1.refresh_from_db()
    assert resident_a1.vneid_level == 1
    assert not SupportActivity.objects.exists()


def test_outcomes_only_for_residents_living_here(team_a1, leader_a1, household_a1):
    moved = ResidentFactory(household=household_a1, status=Resident.Status.MOVED)
    with pytest.raises(ValidationError):
        record(team_a1, leader_a1, {moved: [Outcome.EPAYMENT]})


def test_future_date_refused(team_a1, leader_a1, resident_a1):
    with pytest.raises(ValidationError):
        record(team_a1, leader_a1, {}, date=TODAY + datetime.timedelta(days=1))


def test_outsiders_cannot_record_or_undo(team_a1, leader_a1, leader_a2, member_a1, resident_a1):
    with pytest.raises(PermissionDenied):
        record(team_a1, leader_a2, {resident_a1: [Outcome.EPAYMENT]})
    activity = record(team_a1, leader_a1, {resident_a1: [Outcome.EPAYMENT]})
    # A plain member did not record it and does not manage the team.
    with pytest.raises(PermissionDenied):
        support_activity_undo(activity=activity, user=member_a1)
    with pytest.raises(PermissionDenied):
        support_activity_undo(activity=activity, user=leader_a2)
