"""Data sets for the query budgets: the personas' commune A at a small size, then grown ~5x.

Rows come from the benchmark generator (bench/scale/), so the shapes are the same as in the
province-scale benchmark: households with residents and addresses, teams with members and
activities, village assets, 12 months of cashless reports, OCOP producers, products and stamps.
"""

from __future__ import annotations

import io
import random

import pytest

from bench.scale.generator import Generator
from bench.scale.options import Options
from bench.scale.writer import NULL, Sink, Stats
from tests.factories import VillageFactory
from villages.models import Village

SMALL_HOUSEHOLDS = 20  # per village, small size
GROWTH = 5  # households of A1 and villages of commune A are multiplied by this


def _village_dict(village: Village) -> dict:
    return {
        "id": village.pk,
        "number": village.number,
        "code": village.code,
        "name": village.name if village.name.startswith("Thôn ") else f"Thôn {village.name}",
        "maturity": 0.8,
        "lat": 21.05,
        "lon": 107.3,
    }


class DataSet:
    """Builds the small data set, then grows it: `grow()` once."""

    def __init__(self, commune, villages: list[Village]):
        self.commune = commune
        self.villages = list(villages)
        self.stats = Stats()
        self.sink = Sink(self.stats, threaded=False)
        self.generator = Generator(
            Options(
                communes=1,
                villages_per_commune=len(villages),
                households_per_village=SMALL_HOUSEHOLDS,
                stamps_per_commune=20,
                batch=1000,
            ),
            self.sink,
            self.stats,
            stdout=io.StringIO(),
        )
        self.rng = random.Random(7)
        self._fill(
            self.villages, first_number=1, households=SMALL_HOUSEHOLDS, with_teams=True, first=True
        )

    def _fill(
        self, villages, *, first_number: int, households: int, with_teams: bool, first=False
    ) -> None:
        g, rng = self.generator, self.rng
        dicts = [_village_dict(v) for v in villages]
        if with_teams:
            g.teams(dicts, {"leaders": [NULL] * len(dicts)}, rng)
            g.payments(self.commune, dicts, rng, commune_level=first)
        g.assets(dicts, rng)
        g.ocop(self.commune, dicts, rng)
        items = [(d, n) for d in dicts for n in range(first_number, first_number + households)]
        g._household_batch(items, rng)

    def grow(self) -> None:
        """A1 (and A2): 5x the households; commune A: 5x the villages; more OCOP products."""
        self.generator.round = 1
        self._fill(
            self.villages,
            first_number=SMALL_HOUSEHOLDS + 1,
            households=SMALL_HOUSEHOLDS * (GROWTH - 1),
            with_teams=False,
        )
        new = [
            VillageFactory(commune=self.commune, number=n, name=f"Thôn Mới {n}")
            for n in range(len(self.villages) + 1, len(self.villages) * GROWTH + 1)
        ]
        self.generator.round = 2
        self._fill(new, first_number=1, households=SMALL_HOUSEHOLDS * GROWTH, with_teams=True)
        self.villages += new


@pytest.fixture
def perf_data(commune_a, village_a1, village_a2):
    return DataSet(commune_a, [village_a1, village_a2])
