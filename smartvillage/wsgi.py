import os

from django.core.wsgi import get_wsgi_application

from smartvillage.boot import check_settings_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartvillage.settings")
check_settings_or_exit()
application = get_wsgi_application()
