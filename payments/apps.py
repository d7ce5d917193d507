from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Cashless payments")

    def ready(self):
        from villages.history import register_dated_records

        from . import indicators  # noqa: F401  (registers the payments indicators)
        from .history import last_report

        # A village's move or a merger is refused on or before this day (villages.history).
        register_dated_records("payments", last_report)
