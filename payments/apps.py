from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Cashless payments")

    def ready(self):
        from . import indicators  # noqa: F401  (registers the payments indicators)
