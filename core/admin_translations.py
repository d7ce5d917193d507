"""Strings of Django's admin (5.2) and django-import-export that Django's Vietnamese catalogue
does not translate (or translates with English words): listed here so that makemessages keeps
them in the project catalogue (locale/vi), which Django reads before its own. The page audit
(tests/e2e/test_audit.py) finds any that are still English on a Vietnamese admin page."""

from django.utils.translation import gettext_noop as _

ADMIN_STRINGS = [
    _("Model name"),
    _("Add link"),
    _("Change or view list link"),
    _("Filter navigation items"),
    _("Show counts"),
    _("Hide counts"),
    _("Select this object for an action - {}"),
    _("Select all objects on this page for an action"),
    _("View selected %(model)s"),
    _("Change selected %(model)s"),
    _("Add another %(model)s"),
    _("Delete selected %(model)s"),
    _("Click here to select the objects across all pages"),
    _("Search"),
    _("Export"),
    _("Import"),
    _("Reset password"),
]
