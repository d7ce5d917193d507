"""python manage.py load_catalogue FILE: load a catalogue file as the next version of its set."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from criteria.catalogue import CatalogueError, catalogue_load, catalogue_read


class Command(BaseCommand):
    help = (
        "Load a criteria catalogue file (YAML, format in docs/criteria.md) as a new version; "
        "older versions and their assessments are kept. Nothing is saved if the file has errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path of the catalogue file, e.g. criteria/catalogues/…")

    def handle(self, *args, file: str, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s.") % {"path": file})
        try:
            result = catalogue_load(catalogue=catalogue_read(path.read_text(encoding="utf-8")))
        except CatalogueError as exc:
            raise CommandError(
                "\n".join([_("The catalogue was not loaded:"), *exc.errors])
            ) from exc
        new = result.criteria_set
        if not result.created:
            self.stdout.write(
                _("%(code)s: unchanged (version %(version)s is already active).")
                % {"code": new.code, "version": new.version}
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                _("%(code)s: version %(version)s loaded with %(n)d criteria.")
                % {"code": new.code, "version": new.version, "n": new.criteria.count()}
            )
        )
