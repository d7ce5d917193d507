"""Small things a person reads: one percent format, coordinates with dots, newest first."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from criteria.formatting import format_value
from payments.templatetags.payments_format import pct

pytestmark = pytest.mark.django_db


@translation.override("vi")
def test_one_percent_format_on_every_page():
    from core.charts import format_value as chart_value

    # "74,0 %" on the payments page next to "82,7%" on the dashboard: now one format.
    assert pct(74) == format_value(Decimal(74), "percent") == chart_value(74, percent=True) == "74%"
    assert pct(82.66) == format_value(Decimal("82.7"), "percent") == "82,7%"
    assert chart_value(82.66, percent=True) == "82,7%"
    assert format_value(Decimal("89.96"), "percent") == "90%"  # was "90,0%"


def test_coordinates_print_with_decimal_points(leader_a1, village_a1, login):
    from households.models import DigitalAddress
    from tests.criteria.factories import HouseholdFactory

    household = HouseholdFactory(village=village_a1)
    DigitalAddress.objects.create(
        household=household, latitude="21.361186", longitude="107.596914", source="team"
    )
    html = login(leader_a1).get(f"/field/households/{household.pk}/").content.decode()
    assert "21.361186, 107.596914" in html and "21,361186" not in html


def test_recent_activities_newest_first(leader_a1, village_a1, login):
    from digital_teams.models import DigitalTeam, SupportActivity

    team = DigitalTeam.objects.create(
        village=village_a1,
        decision_number="1/QĐ",
        decision_date=dt.date(2025, 1, 2),
        founded_on=dt.date(2025, 1, 2),
    )
    for day in (dt.date(2025, 3, 1), dt.date(2025, 9, 1), dt.date(2025, 6, 1)):
        SupportActivity.objects.create(team=team, date=day, kind="home_visit")
    html = login(leader_a1).get(f"/field/team/?village={village_a1.pk}").content.decode()
    dates = [html.index(d) for d in ("01/09/2025", "01/06/2025", "01/03/2025")]
    assert dates == sorted(dates)
