"""Two file storages: public (served to anyone) and private (only through checked views).

Every FileField/ImageField names one of them with `storage=public_storage` or
`storage=private_storage` (tests/core/test_file_storages.py fails on a field that does not).
Private files live under PRIVATE_MEDIA_ROOT, outside MEDIA_ROOT, so neither nginx's `/media/`
nor the development server's media route can reach them. A private file is handed out only by
`private_file_response()`, called by a view that has already found the object through
core/access.py; every such download is recorded by the function the owning app registered with
`record_downloads_with()` (households: its ExportAudit table, who, what, when). core never
imports that app; with nothing registered a download is refused, never served unrecorded.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from pathlib import Path, PurePath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.http import FileResponse, Http404, HttpResponse
from django.utils.functional import cached_property

logger = logging.getLogger(__name__)


class PrivateFileSystemStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT. They have no URL: `url()` is None."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        # No URL, on purpose. None rather than an error: the admin's file widget asks for one
        # (getattr(value, "url", False)) and then shows no link; views use
        # private_file_response() instead.
        return None


def public_storage():
    """Product photos and thumbnails: meant for everyone, served under MEDIA_URL."""
    return storages["default"]


def private_storage():
    """Personal data, evidence, label sheets: never under MEDIA_URL."""
    return storages["private"]


def random_name(prefix: str, filename: str) -> str:
    """`<prefix>/<32 hex><.ext>`: the uploaded name (often a village or a person) is dropped."""
    return f"{prefix.rstrip('/')}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:10]}"


# The function that records a private download: (user=, commune_id=, what=, description=).
_download_recorder: Callable[..., None] | None = None


def record_downloads_with(function: Callable[..., None]) -> None:
    """Register the one recorder of private downloads (households.apps: ExportAudit rows)."""
    global _download_recorder
    _download_recorder = function


def _record_download(*, user, commune_id, what: str, description: str) -> None:
    if _download_recorder is None:
        raise ImproperlyConfigured("No recorder of private downloads is registered.")
    _download_recorder(user=user, commune_id=commune_id, what=what, description=description)


def private_file_response(
    request, field_file, *, filename: str, what: str, commune_id: int | None, description: str
) -> HttpResponse:
    """The private file as an attachment, recorded; 404 when it is missing.

    The caller has checked the object with core.access. With PRIVATE_MEDIA_ACCEL_PREFIX set
    (nginx in front, deploy/nginx.conf.example), nginx streams the file from its `internal`
    location; otherwise Django does.
    """
    if not field_file or not field_file.name:
        raise Http404
    storage = field_file.storage
    if not isinstance(storage, PrivateFileSystemStorage) or not storage.exists(field_file.name):
        raise Http404
    _record_download(user=request.user, commune_id=commune_id, what=what, description=description)
    logger.info("private file download: %s by user %s", what, request.user.pk)
    prefix = settings.PRIVATE_MEDIA_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=_content_type(filename))
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(field_file.name)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    else:
        response = FileResponse(storage.open(field_file.name, "rb"), as_attachment=True,
                                filename=filename)  # fmt: skip
    response["Cache-Control"] = "private, no-store"
    return response


def _content_type(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


# Folders of MEDIA_ROOT that held private files before the two storages existed.
LEGACY_PUBLIC_FOLDERS = ("household-imports", "criteria/evidence", "ocop/labels")


def private_fields():
    """(model, field) of every file field stored privately."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.get_fields():
            if getattr(field, "_storage_callable", None) is private_storage:
                yield model, field


def legacy_public_files() -> list[Path]:
    """Files still lying in MEDIA_ROOT's former private folders (reachable by URL)."""
    root = Path(settings.MEDIA_ROOT)
    return sorted(
        path
        for folder in LEGACY_PUBLIC_FOLDERS
        if (root / folder).is_dir()
        for path in (root / folder).rglob("*")
        if path.is_file()
    )


def private_files_move(*, apply: bool) -> dict[str, int]:
    """Move the files of private fields out of MEDIA_ROOT (docs/security.md).

    Each referenced file moves to the private storage (a random name where the field makes
    one, the row updated); what is left in the former folders is no longer referenced by any
    row (old import sheets, superseded label renders) and is deleted. Dry run unless `apply`.
    """
    public_root = Path(settings.MEDIA_ROOT)
    counts = {"moved": 0, "missing": 0, "already_private": 0, "leftovers_deleted": 0}
    for model, field in private_fields():
        storage = field.storage
        rows = model._default_manager.exclude(**{field.name: ""}).exclude(**{field.name: None})
        for obj in rows.iterator():
            name = getattr(obj, field.attname).name
            source = public_root / name
            if storage.exists(name) and not source.is_file():
                counts["already_private"] += 1
                continue
            if not source.is_file():
                counts["missing"] += 1
                continue
            counts["moved"] += 1
            if not apply:
                continue
            new_name = (
                field.generate_filename(obj, PurePath(name).name)
                if callable(field.upload_to)
                else name
            )
            with source.open("rb") as fh:
                saved = storage.save(new_name, File(fh))
            model._default_manager.filter(pk=obj.pk).update(**{field.attname: saved})
            source.unlink()
    for path in legacy_public_files():
        counts["leftovers_deleted"] += 1
        if apply:
            path.unlink()
    return counts
