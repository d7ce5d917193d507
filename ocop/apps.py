from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OcopConfig(AppConfig):
    name = "ocop"
    verbose_name = _("OCOP products")

    def ready(self):
        from . import stamp_cache

        stamp_cache.connect_signals()
