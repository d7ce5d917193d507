"""Move private files (imports, evidence, label sheets) out of MEDIA_ROOT: dry run by default."""

from django.core.management.base import BaseCommand

from core.files import private_files_move


class Command(BaseCommand):
    help = (
        "Move the files of private fields from MEDIA_ROOT to PRIVATE_MEDIA_ROOT and delete what "
        "is left in the former private folders of MEDIA_ROOT. Nothing changes without --apply."
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="Move and delete for real.")

    def handle(self, *args, **options):
        counts = private_files_move(apply=options["apply"])
        verb = "" if options["apply"] else " (dry run: nothing changed, use --apply)"
        self.stdout.write(
            "moved {moved}, already private {already_private}, missing {missing}, "
            "left-over files deleted {leftovers_deleted}".format(**counts)
            + verb
        )
