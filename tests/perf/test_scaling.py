"""What docs/scaling.md builds for the national scale and this machine can exercise: reads of
read-only pages on a replica database alias (smartvillage/db_router.py) and one Celery queue per
job kind (CELERY_TASK_ROUTES)."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.authtoken.models import Token

from smartvillage.db_router import ReadOnlyPagesMiddleware, ReadReplicaRouter, read_only_page
from villages.models import Commune


@pytest.fixture
def replica(settings):
    """A second database alias "replica" on the same database as "default" (a replica with no
    lag), the router and the middleware switched on as DATABASE_REPLICA_URL would."""
    from django.db.utils import load_backend

    settings_dict = {**connections["default"].settings_dict}
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="replica")
    connections["replica"] = wrapper  # a connection of its own, outside the test's transaction
    settings.DATABASE_ROUTERS = ["smartvillage.db_router.ReadReplicaRouter"]
    settings.MIDDLEWARE = ["smartvillage.db_router.ReadOnlyPagesMiddleware", *settings.MIDDLEWARE]
    yield wrapper
    wrapper.close()
    delattr(connections._connections, "replica")


def test_router_sends_reads_of_read_only_pages_to_the_replica_and_every_write_to_default():
    from django.contrib.sessions.models import Session

    router = ReadReplicaRouter()
    assert router.db_for_read(Commune) == "default"
    with read_only_page():
        assert router.db_for_read(Commune) == "replica"
        assert router.db_for_write(Commune) == "default"
        assert router.db_for_read(Session) == "default"  # who is asking: never behind
    assert router.db_for_read(Commune) == "default"
    assert router.allow_migrate("replica", "villages") is False
    assert router.allow_migrate("default", "villages") is True


def _tables(context) -> str:
    return " ".join(q["sql"] for q in context.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_api_reads_go_to_the_replica_and_the_token_to_default(
    client, replica, province_office, commune_a
):
    token = Token.objects.create(user=province_office)
    with CaptureQueriesContext(replica) as on_replica:
        with CaptureQueriesContext(connections["default"]) as on_default:
            response = client.get("/api/v1/communes/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert commune_a.code in response.content.decode()
    assert "villages_commune" in _tables(on_replica)
    assert "villages_commune" not in _tables(on_default)
    assert "authtoken_token" in _tables(on_default)
    assert "authtoken_token" not in _tables(on_replica)


@pytest.mark.django_db(transaction=True)
def test_other_pages_and_writes_stay_on_default(client, replica, official_a):
    client.force_login(official_a)
    with CaptureQueriesContext(replica) as on_replica:
        assert client.get("/dashboard/").status_code == 200  # not a read-only page
        client.post("/api/v1/communes/", {"code": "99999"})  # a write attempt on a routed path
    assert on_replica.captured_queries == []


def test_middleware_routes_only_get_and_head_on_the_listed_paths(rf):
    seen = []
    middleware = ReadOnlyPagesMiddleware(
        lambda request: seen.append(ReadReplicaRouter().db_for_read(Commune))
    )
    with override_settings(DATABASE_REPLICA_PATHS=["/province/"]):
        middleware = ReadOnlyPagesMiddleware(middleware.get_response)
        middleware(rf.get("/province/22/"))
        middleware(rf.head("/province/22/"))
        middleware(rf.post("/province/22/rollup/"))
        middleware(rf.get("/dashboard/"))
    assert seen == ["replica", "replica", "default", "default"]


def test_replica_is_off_by_default(settings):
    assert "replica" not in settings.DATABASES or settings.DATABASE_REPLICA_URL
    assert "smartvillage.db_router.ReadOnlyPagesMiddleware" not in settings.MIDDLEWARE or (
        settings.DATABASE_REPLICA_URL
    )


@pytest.mark.parametrize(
    "task, queue",
    [
        ("ocop.tasks.render_stamp_batch", "render"),
        ("criteria.tasks.rollup_run_task", "rollup"),
        ("criteria.tasks.rollup_all_communes", "rollup"),
        ("provinces.tasks.province_rollup_task", "rollup"),
        ("households.tasks.household_import_apply_task", "celery"),
        ("ocop.tasks.flush_stamp_scans", "celery"),
        ("core.tasks.requeue_pending", "celery"),
    ],
)
def test_each_job_kind_has_its_queue_and_a_plain_worker_consumes_them_all(task, queue):
    from smartvillage.celery import app

    assert app.amqp.router.route({}, task)["queue"].name == queue
    # `celery worker` without -Q (make worker, .ci/run) consumes every declared queue.
    assert queue in app.amqp.queues
