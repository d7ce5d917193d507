"""Start-up guard: bad configuration stops with one clear sentence, not a traceback."""

from __future__ import annotations

import importlib
import os
import sys


def check_settings_or_exit() -> None:
    from django.core.exceptions import ImproperlyConfigured

    module = os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartvillage.settings")
    try:
        importlib.import_module(module)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)
