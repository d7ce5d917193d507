"""Formats for the vi interface: the shared Vietnamese conventions."""

from smartvillage.formats.common import *  # noqa: F403
