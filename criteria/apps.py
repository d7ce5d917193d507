from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = _("Criteria")

    def ready(self):
        from . import indicators  # noqa: F401  (registers the indicators in criteria.registry)
