from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("Households")

    def ready(self):
        from core.files import record_downloads_with

        from .models import ExportAudit

        # Private downloads (evidence, label sheets) are recorded in this app's audit table.
        record_downloads_with(ExportAudit.record_download)
