"""Celery tasks of the plates app: thin wrappers around plates.rendering."""

from __future__ import annotations

from celery import shared_task


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def render_plate_batch(self, batch_id: int) -> str:
    """Render a plate batch (PDFs, proof sheet, manifest). Safe to deliver twice."""
    from .rendering import plate_batch_render

    return plate_batch_render(batch_id=batch_id, task_id=self.request.id or "")
