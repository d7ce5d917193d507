"""Personas (healthchecks style): who may see what is tested with the same cast everywhere.

- official_a: official of commune A (villages A1, A2)
- leader_a1 / member_a1: team leader / member of village A1
- leader_a2: team leader of village A2
- official_b: official of commune B (village B1)
- province_office: Quảng Ninh's NTM coordination office (province 22: communes A and B)
- anonymous: the `client` fixture without login
"""

import os

import pytest

from tests.factories import CommuneFactory, UserFactory, VillageFactory
from villages.roles import make_official, make_team_member, sync_official_group

PASSWORD = "pw-Secret-123"


@pytest.fixture
def commune_a(db):
    return CommuneFactory(code="90001", name="Xã An Phú")


@pytest.fixture
def commune_b(db):
    return CommuneFactory(code="90002", name="Xã Bình Minh")


@pytest.fixture
def village_a1(commune_a):
    return VillageFactory(commune=commune_a, number=1, name="Thôn Một")


@pytest.fixture
def village_a2(commune_a):
    return VillageFactory(commune=commune_a, number=2, name="Thôn Hai")


@pytest.fixture
def village_b1(commune_b):
    return VillageFactory(commune=commune_b, number=1, name="Thôn Bê Một")


@pytest.fixture
def official_a(commune_a, village_a1, village_a2):
    sync_official_group()
    user = UserFactory(username="official_a")
    make_official(user, commune_a)
    return user


@pytest.fixture
def official_b(commune_b, village_b1):
    sync_official_group()
    user = UserFactory(username="official_b")
    make_official(user, commune_b)
    return user


@pytest.fixture
def leader_a1(village_a1):
    user = UserFactory(username="leader_a1")
    make_team_member(user, village_a1, leader=True)
    return user


@pytest.fixture
def member_a1(village_a1):
    user = UserFactory(username="member_a1")
    make_team_member(user, village_a1, leader=False)
    return user


@pytest.fixture
def leader_a2(village_a2):
    user = UserFactory(username="leader_a2")
    make_team_member(user, village_a2, leader=True)
    return user


@pytest.fixture
def province_office(commune_a, commune_b):
    from villages.roles import make_province_office

    user = UserFactory(username="province_office")
    make_province_office(user, commune_a.province_code)
    return user


@pytest.fixture
def login(client):
    """login(user) -> the test client logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _english_off(settings):
    # The UI is Vietnamese first: tests read the pages as a Vietnamese user does.
    settings.LANGUAGE_CODE = "vi"


def worker_available() -> bool:
    return os.environ.get("CELERY_WORKER_RUNNING") == "1"


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason="needs a real Celery worker: run via .ci/run")
    for item in items:
        if "worker" in item.keywords:
            if worker_available():
                item.fixturenames.append("_real_worker")
            else:
                item.add_marker(skip)


@pytest.fixture
def _real_worker():
    """Send tasks through the broker to the worker .ci/run started (not in-process)."""
    from smartvillage.celery import app

    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _shipped_catalogues(request):
    """The criteria catalogues come from a data migration, and a transactional test (browser
    tests) flushes every table after it runs: put them back for the tests that follow."""
    marker = request.node.get_closest_marker("django_db")
    uses_db = {"db", "transactional_db"} & set(request.fixturenames)
    if marker is None and not uses_db:
        return
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from criteria.models import CriteriaSet

    if not CriteriaSet.objects.exists():
        import importlib

        from django.apps import apps

        importlib.import_module("criteria.migrations.0002_shipped_catalogues").ship(apps, None)
        importlib.import_module(
            "criteria.migrations.0005_catalogue_tier_source_ratio"
        ).shipped_tiers_and_ratio(apps, None)
        importlib.import_module("criteria.migrations.0007_threshold_basis").mark_commune_choice(
            apps, None
        )


@pytest.fixture(autouse=True)
def _empty_cache():
    from django.core.cache import cache

    cache.clear()
