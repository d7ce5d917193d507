"""The one Celery app (cookiecutter-django style): settings under the CELERY_ namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartvillage.settings")

app = Celery("smartvillage")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
