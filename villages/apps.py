from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = _("Communes and villages")

    def ready(self):
        from .roles import sync_official_group

        post_migrate.connect(sync_official_group, dispatch_uid="villages.sync_official_group")
