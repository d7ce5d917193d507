from __future__ import annotations

from celery import shared_task


@shared_task
def warm_public_pages(commune_id: int) -> int:
    """Render a commune's public pages again after its data changed (dashboards.warm)."""
    from .warm import warm_public_pages as run

    return run(commune_id)
