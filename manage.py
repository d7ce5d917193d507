#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    if sys.version_info < (3, 10):  # noqa: UP036 - say it clearly on an old interpreter
        sys.exit("smartvillage needs Python 3.10 to 3.13 (Django 5.2): " + sys.version.split()[0])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartvillage.settings")
    # Developer commands (makemigrations, shell, runserver) default to the development profile,
    # as cookiecutter-django's manage.py does; the web (wsgi/asgi) and the Celery worker never
    # do. Production sets DEBUG=false explicitly (deploy/env.example), which this keeps.
    os.environ.setdefault("DEBUG", "true")
    try:
        from django.core.management import execute_from_command_line
    except ImportError:
        sys.exit(
            "Django is not installed: run 'make run' (or pip install -r requirements.txt in .venv)."
        )
    from smartvillage.boot import check_settings_or_exit

    check_settings_or_exit()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
