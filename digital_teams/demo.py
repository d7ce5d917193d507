"""Demo teams for Quảng Tân: one team per village (decision of 2022), 4-6 members led by the
party-cell secretary (the village's leaderNN account) and a few months of support activities
recorded through the service, so the registry and the assisted changes agree.

Deterministic (seeded per village) and idempotent: a team that already has activities is left
as it is. Works without residents too (then only group sessions and campaign days).
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from households.models import Household, Resident
from villages.models import Membership

from .models import DigitalTeam, FollowUpAssignment, FollowUpTopic, Outcome, SupportActivity
from .models import TeamMember as M
from .selectors import missing_residents
from .services import support_activity_record

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô", "Lý"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang", "Hữu", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Khánh", "Linh", "Nga", "Phúc"]
MEMBER_POSITIONS = [
    M.Position.YOUTH_UNION_SECRETARY,
    M.Position.FRONT_COMMITTEE_HEAD,
    M.Position.WOMENS_UNION,
    M.Position.FARMERS_ASSOCIATION,
    M.Position.VETERANS_ASSOCIATION,
]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _phone(rng: random.Random) -> str:
    return "09" + "".join(str(rng.randrange(10)) for _ in range(8))


def seed_demo(commune, *, password: str, stdout=None) -> None:
    today = timezone.localdate()
    for village in commune.villages.order_by("number"):
        rng = random.Random(f"digital-team-{village.code}")
        team, _created = DigitalTeam.objects.get_or_create(
            village=village,
            defaults={
                "decision_number": f"{120 + village.number}/QĐ-UBND",
                "decision_date": datetime.date(2022, 9, 20),
                "founded_on": datetime.date(2022, 10, 1),
            },
        )
        leader_user = (
            Membership.objects.filter(village=village, role=Membership.Role.LEADER)
            .select_related("user")
            .order_by("id")
            .first()
        )
        leader_user = leader_user.user if leader_user else None
        leader_name = (
            leader_user.get_full_name() if leader_user and leader_user.get_full_name() else None
        )
        leader, _created = M.objects.get_or_create(
            team=team,
            position=M.Position.PARTY_CELL_SECRETARY,
            defaults={
                "full_name": f"{leader_user.last_name} {leader_user.first_name}"
                if leader_name
                else _name(rng),
                "role": M.Role.LEADER,
                "user": leader_user,
                "phone": _phone(rng),
                "active_from": team.founded_on,
            },
        )
        n_members = rng.randint(3, 5)  # plus the leader: 4-6 people
        members = [leader]
        for position in MEMBER_POSITIONS[:n_members]:
            member, _created = M.objects.get_or_create(
                team=team,
                position=position,
                defaults={
                    "full_name": _name(rng),
                    "role": M.Role.MEMBER,
                    "phone": _phone(rng),
                    "active_from": team.founded_on,
                },
            )
            members.append(member)
        if SupportActivity.objects.filter(team=team).exists():
            continue
        _seed_activities(team, members, leader_user, rng, today)
        _seed_assignments(team, leader, leader_user, rng)
    if stdout is not None:
        stdout.write(
            f"  teams: {DigitalTeam.objects.filter(village__commune=commune).count()}, "
            f"activities: {SupportActivity.objects.filter(team__village__commune=commune).count()}"
        )


def _seed_activities(team, members, user, rng: random.Random, today: datetime.date) -> None:
    """About two activities a month over the last five months; the newest within two weeks."""
    if user is None:
        return
    village = team.village
    days_ago = sorted({rng.randint(3, 150) for _ in range(9)} | {rng.randint(1, 14)}, reverse=True)
    for days in days_ago:
        date = today - datetime.timedelta(days=days)
        helpers = rng.sample(members, k=min(len(members), rng.randint(1, 3)))
        kind = rng.choice(
            [
                SupportActivity.Kind.HOME_VISIT,
                SupportActivity.Kind.HOME_VISIT,
                SupportActivity.Kind.GROUP_SESSION,
                SupportActivity.Kind.CAMPAIGN_DAY,
            ]
        )
        household = None
        if kind == SupportActivity.Kind.HOME_VISIT:
            waiting = list(
                missing_residents(village, FollowUpTopic.VNEID_LEVEL2)
                .values_list("household_id", flat=True)
                .distinct()
                .order_by("household_id")[:60]
            )
            if waiting:
                household = Household.objects.get(pk=rng.choice(waiting))
            else:
                kind = SupportActivity.Kind.GROUP_SESSION
        if household is not None:
            outcomes = {}
            for resident in household.residents.filter(status=Resident.Status.PRESENT).order_by(
                "id"
            ):
                chosen = []
                if resident.vneid_level < 2 and rng.random() < 0.8:
                    chosen.append(Outcome.VNEID_LEVEL2)
                if not resident.has_epayment and rng.random() < 0.4:
                    chosen.append(Outcome.EPAYMENT)
                if not resident.doc_health_insurance and rng.random() < 0.3:
                    chosen.append(Outcome.HEALTH_INSURANCE)
                if chosen:
                    outcomes[resident.pk] = chosen
            support_activity_record(
                team=team,
                user=user,
                date=date,
                kind=kind,
                topics=["vneid"],
                outcomes=outcomes,
                members=helpers,
                notes="Đến nhà hướng dẫn kích hoạt VNeID mức 2 và mở tài khoản thanh toán.",
                at=timezone.make_aware(datetime.datetime.combine(date, datetime.time(9, 30))),
            )
        else:
            support_activity_record(
                team=team,
                user=user,
                date=date,
                kind=kind,
                topics=rng.sample(["vneid", "epayment", "online_services", "online_safety"], k=2),
                members=helpers,
                participants=rng.randint(12, 60),
                notes="Sinh hoạt tại nhà văn hóa thôn: hướng dẫn dịch vụ số.",
            )


def _seed_assignments(team, leader, user, rng: random.Random) -> None:
    """Give the leader a handful of households still missing VNeID level 2 ("my households")."""
    waiting = list(
        missing_residents(team.village, FollowUpTopic.VNEID_LEVEL2)
        .values_list("household_id", flat=True)
        .distinct()
        .order_by("household_id")[:30]
    )
    for household_id in sorted(rng.sample(waiting, k=min(5, len(waiting)))):
        FollowUpAssignment.objects.get_or_create(
            household_id=household_id,
            topic=FollowUpTopic.VNEID_LEVEL2,
            defaults={"member": leader, "assigned_by": user},
        )
