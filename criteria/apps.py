from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CriteriaConfig(AppConfig):
    name = "criteria"
    verbose_name = _("Criteria")

    def ready(self):
        from villages.history import register_dated_records

        from . import indicators  # noqa: F401  (registers the indicators in criteria.registry)
        from .history import last_rollup

        # A village's move or a merger is refused on or before this day (villages.history).
        register_dated_records("criteria", last_rollup)
