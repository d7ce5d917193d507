"""Fail early, in one sentence, when this Python cannot run the portal."""

import sys

if not ((3, 10) <= sys.version_info[:2] <= (3, 13)):
    sys.exit(
        f"smartvillage needs Python 3.10 to 3.13 (Django 5.2 LTS); found {sys.version.split()[0]}. "
        "Run with PYTHON=/path/to/python3.11 make run."
    )
try:
    import ensurepip  # noqa: F401
    import venv  # noqa: F401
except ImportError:
    sys.exit("Python's venv module is missing: install it (Debian: apt-get install python3-venv).")
