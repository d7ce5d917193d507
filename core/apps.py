from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from . import checks, dataversion  # noqa: F401  (checks: registers the system checks)

        dataversion.connect()  # data versions of the cached page parts (docs/performance.md)

        # Pillow's decompression-bomb limit, set explicitly (default 89 M pixels): an uploaded
        # image declaring more pixels than this is refused before it is decoded (warning from
        # the limit, error from twice the limit; ocop.models.validate_photo refuses both).
        Image.MAX_IMAGE_PIXELS = getattr(settings, "MAX_IMAGE_PIXELS", 8000 * 8000)
