"""The roll-up of every commune of a province on demand: one job through core.jobs, claimed
once, progress counted, a second start joins the first, a dead worker's job is taken over."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from core.jobs import registered_jobs
from criteria.models import RollupRun
from provinces import jobs, services
from provinces.models import ProvinceRollup

S = ProvinceRollup.Status


def test_start_runs_every_commune_of_the_province_once(
    province, client, django_capture_on_commit_callbacks
):
    client.force_login(province["office"])
    url = reverse("provinces:rollup", args=["22"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 302
    response = client.get(response["Location"])
    job = ProvinceRollup.objects.get()
    assert (job.status, job.total, job.done, job.failed) == (S.DONE, 2, 2, 0)
    assert job.requested_by == province["office"] and job.finished_at is not None
    runs = RollupRun.objects.filter(trigger=f"province:{job.pk}")
    assert sorted(runs.values_list("commune__code", flat=True)) == ["90001", "90002"]
    assert set(runs.values_list("status", flat=True)) == {"done"}
    body = response.content.decode()
    assert "Đã bắt đầu tổng hợp tất cả các xã" in body
    assert "Đã xong 2/2 xã" in body and "hx-get" not in body  # done: no more polling
    # Delivered twice: the claim makes the second delivery a no-op.
    assert services.province_rollup_execute(job_id=job.pk) == "skipped"
    assert runs.count() == 2


def test_a_second_start_joins_the_one_under_way(province, client):
    running = ProvinceRollup.objects.create(
        province_code="22", status=S.RUNNING, total=2, done=1, heartbeat_at=timezone.now()
    )
    client.force_login(province["office"])
    response = client.post(reverse("provinces:rollup", args=["22"]), follow=True)
    assert ProvinceRollup.objects.count() == 1
    body = response.content.decode()
    assert "Đang có một lượt tổng hợp của tỉnh (1/2 xã)" in body
    assert 'hx-get="/province/22/rollup/"' in body  # the progress polls while it runs
    status = client.get(reverse("provinces:rollup", args=["22"]), HTTP_HX_REQUEST="true")
    assert "Đã xong 1/2 xã" in status.content.decode()
    assert running.progress_percent == 50
    # The database refuses a second active job even if two requests race past the check.
    with pytest.raises(IntegrityError):
        ProvinceRollup.objects.create(province_code="22", status=S.QUEUED)


def test_a_dead_workers_job_is_sent_again_and_resumes(province, commune_a):
    now = timezone.now()
    job = ProvinceRollup.objects.create(
        province_code="22",
        status=S.RUNNING,
        total=2,
        done=1,
        claim_token="dead",
        heartbeat_at=now - dt.timedelta(minutes=10),
    )
    # The dead worker had finished commune A for this job.
    RollupRun.objects.create(
        commune=commune_a,
        on=now.date(),
        started_at=now,
        finished_at=now,
        status="done",
        trigger=f"province:{job.pk}",
    )
    assert jobs.recover(now) == [(services.TASK, [job.pk])]
    job.refresh_from_db()
    assert job.status == S.QUEUED and job.claim_token == ""
    assert jobs.recover(now) == []  # only one requeue wins
    assert services.province_rollup_execute(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (S.DONE, 2, 0)
    codes = RollupRun.objects.filter(trigger=f"province:{job.pk}").values_list(
        "commune__code", flat=True
    )
    assert sorted(codes) == ["90001", "90002"]  # A was not rolled up twice


def test_a_live_job_is_not_taken_over(province):
    job = ProvinceRollup.objects.create(
        province_code="22", status=S.RUNNING, claim_token="alive", heartbeat_at=timezone.now()
    )
    assert services.province_rollup_execute(job_id=job.pk) == "skipped"
    assert jobs.recover(timezone.now()) == []


def test_a_failing_commune_is_counted_and_the_others_go_on(province, monkeypatch):
    from criteria import services as criteria_services

    real = criteria_services.rollup_commune

    def flaky(*, commune, **kwargs):
        if commune.code == "90001":
            raise RuntimeError("broken indicator")
        return real(commune=commune, **kwargs)

    monkeypatch.setattr(services, "rollup_commune", flaky)
    job, created = services.province_rollup_start(user=province["office"], code="22")
    assert created
    assert services.province_rollup_execute(job_id=job.pk) == "done"
    job.refresh_from_db()
    assert (job.status, job.done, job.failed) == (S.DONE, 1, 1)


def test_the_job_is_registered_and_sent_by_name(province):
    job = registered_jobs()["provinces.province_rollup"]
    assert job.tasks == (services.TASK,)


@pytest.mark.django_db(transaction=True)
def test_broker_down_the_job_waits(province, client, monkeypatch):
    """Outside a test transaction (as in a request) the send happens at once and fails."""
    from core import jobs as core_jobs

    monkeypatch.setattr(core_jobs, "enqueue", lambda *a, **k: False)
    client.force_login(province["office"])
    response = client.post(reverse("provinces:rollup", args=["22"]), follow=True)
    assert "Dịch vụ xử lý nền hiện không kết nối được" in response.content.decode()
    assert ProvinceRollup.objects.get().status == S.QUEUED


def test_others_may_not_start_it(province, client, official_a):
    url = reverse("provinces:rollup", args=["22"])
    assert client.post(url).status_code == 302  # anonymous: log in
    client.force_login(official_a)
    assert client.post(url).status_code == 403
    client.force_login(province["office"])
    assert client.post(reverse("provinces:rollup", args=["33"])).status_code == 404
    assert not ProvinceRollup.objects.exists()
