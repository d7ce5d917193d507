"""manage.py load_catalogue FILE… | --shipped: load catalogue files as the next versions."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from criteria.catalogue import CatalogueError, catalogue_load, catalogue_read, shipped_files


class Command(BaseCommand):
    help = (
        "Load a criteria catalogue file (YAML, format in docs/criteria.md) as a new version; "
        "older versions and their assessments are kept. Nothing is saved if the file has errors."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="*", help="Catalogue files, e.g. criteria/catalogues/qd51-2026-2030.yaml"
        )
        parser.add_argument(
            "--shipped", action="store_true", help="Load every file in criteria/catalogues/."
        )

    def handle(self, *args, files: list[str], shipped: bool = False, **options):
        paths = [Path(f) for f in files] + (shipped_files() if shipped else [])
        if not paths:
            raise CommandError(_("Name a catalogue file (or --shipped)."))
        for path in paths:
            self._load(path)

    def _load(self, path: Path) -> None:
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s.") % {"path": path})
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
