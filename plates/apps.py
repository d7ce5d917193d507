from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatesConfig(AppConfig):
    name = "plates"
    verbose_name = _("Address plates")

    def ready(self):
        # The village's digital team sees open address corrections in its follow-up lists
        # (digital_teams.panels: a registry, so digital_teams never imports this app).
        from digital_teams.panels import register

        from .panels import corrections_panel

        register("plates.corrections", corrections_panel)
