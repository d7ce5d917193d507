"""manage.py export_catalogue CODE [--set-version N] [--output FILE]: a set as a file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from criteria.catalogue import catalogue_export
from criteria.models import CriteriaSet


class Command(BaseCommand):
    help = (
        "Write a criteria set (the active version, or --set-version N) as a catalogue file (YAML)."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="Set code, e.g. QD319-2021-2025.")
        parser.add_argument(
            "--set-version", type=int, help="Version number (default: the active one)."
        )
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, code: str, set_version=None, output=None, **options):
        versions = CriteriaSet.objects.filter(code=code).prefetch_related("criteria")
        if set_version is not None:
            found = versions.filter(version=set_version).first()
        else:
            found = versions.filter(is_active=True).first() or versions.order_by("-version").first()
        if found is None:
            raise CommandError(_("No criteria set with code %(code)s.") % {"code": code})
        text = catalogue_export(found)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
