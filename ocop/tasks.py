"""Celery tasks of the OCOP app: thin wrappers around ocop.rendering."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def render_stamp_batch(self, batch_id: int) -> str:
    """Render a stamp batch (stamps, PDF sheet, ZIP). Safe to deliver twice: see rendering.py."""
    from .rendering import stamp_batch_render

    return stamp_batch_render(batch_id=batch_id, task_id=self.request.id or "")
