from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigitalTeamsConfig(AppConfig):
    name = "digital_teams"
    verbose_name = _("Digital teams")
