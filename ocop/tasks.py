"""Celery tasks of the OCOP app: thin wrappers around ocop.rendering."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def render_stamp_batch(self, batch_id: int) -> str:
    """Render a stamp batch (stamps, PDF sheet, ZIP). Safe to deliver twice: see rendering.py."""
    from .rendering import stamp_batch_render

    return stamp_batch_render(batch_id=batch_id, task_id=self.request.id or "")


@shared_task(ignore_result=True)
def flush_stamp_scans() -> int:
    """Move the scans buffered in Redis into the scan table (ocop/stamp_cache.py), every
    STAMP_SCAN_FLUSH_EVERY seconds from beat. One run at a time per buffer: a second run finds
    the first one's processing list and writes nothing new until it is gone."""
    from .stamp_cache import flush

    return flush()
