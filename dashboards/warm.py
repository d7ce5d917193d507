"""No cold first visitor: after a write or a roll-up, the public pages of the communes whose
data version moved (core.dataversion) are rendered again in the background, so the next
visitor reads them from the cache (docs/performance.md, "No cold first visitor").

Debounced per commune: the first write of a burst sends one job (core.jobs); writes while it is
waiting or running only mark the commune again; the job renders the pages, and renders again
as long as the commune's token moved meanwhile, so a burst of writes is warmed once (plus once
for the writes that came while it rendered)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from core import dataversion

logger = logging.getLogger(__name__)

TASK = "dashboards.tasks.warm_public_pages"
MAX_ROUNDS = 5


def _flag(commune_id: int) -> str:
    return f"dv:warm:{commune_id}"


def enabled() -> bool:
    """Off in eager mode (demo, tests: no worker, the job would run inside the write's
    request) unless DATAVERSION_WARM is set to True."""
    configured = getattr(settings, "DATAVERSION_WARM", None)
    if configured is not None:
        return bool(configured)
    from celery import current_app

    return not current_app.conf.task_always_eager


def warm_later(commune_ids: set[int]) -> None:
    """core.dataversion listener: one job per commune unless one is already pending."""
    if not enabled():
        return
    pending = [pk for pk in sorted(commune_ids) if cache.add(_flag(pk), 1, 10 * 60)]
    if not pending:
        return

    def send():
        from core.jobs import enqueue

        for pk in pending:
            if not enqueue(TASK, pk, record=False):
                cache.delete(_flag(pk))  # broker down: the next write tries again

    transaction.on_commit(send)


def _client():
    from django.test import Client

    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h and h != "*"]
    host = hosts[0] if hosts else "localhost"
    secure = getattr(settings, "SECURE_SSL_REDIRECT", False)
    return Client(HTTP_HOST=host, secure=secure, raise_request_exception=False)


def public_urls(commune) -> list[str]:
    urls = [f"/communes/{commune.code}/"]
    urls += [f"/villages/{code}/" for code in commune.villages.values_list("code", flat=True)]
    return [*urls, "/", "/ocop/"]


def warm(commune) -> int:
    """Render the commune's public pages in every language (fills their caches); pages rendered."""
    client = _client()
    done = 0
    for code, _name in settings.LANGUAGES:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
        for url in public_urls(commune):
            response = client.get(url)
            done += response.status_code == 200
    return done


def warm_public_pages(commune_id: int) -> int:
    """The job: warm until the commune's token stops moving (at most MAX_ROUNDS)."""
    from villages.models import Commune

    commune = Commune.objects.filter(pk=commune_id).first()
    if commune is None:
        cache.delete(_flag(commune_id))
        return 0
    rendered = 0
    for _ in range(MAX_ROUNDS):
        before = dataversion.commune_token(commune_id)
        rendered += warm(commune)
        cache.delete(_flag(commune_id))
        if dataversion.commune_token(commune_id) == before:
            break
        if not cache.add(_flag(commune_id), 1, 10 * 60):
            break  # another job was sent meanwhile: it warms the newest data
    return rendered
