from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from exports.services.importing import import_file

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import an oasst1 file: tree lines or flat message lines (detected per line), .jsonl or .jsonl.gz. "
        "Malformed lines are reported and their trees skipped; with --strict nothing is imported on error."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the .jsonl or .jsonl.gz file, or - for standard input")
        parser.add_argument("--strict", action="store_true", help="stop at the first error and import nothing")
        parser.add_argument("--origin", default=None, help="origin of the trees whose line gives none")
        parser.add_argument(
            "--backlog",
            action="store_true",
            help="put finished trees (ranking .. ready_for_export) in backlog_ranking, to be ranked here",
        )

    def handle(self, *args, file: str, strict: bool, origin: str | None, backlog: bool, verbosity: int, **options):
        try:
            report = import_file(file, strict=strict, origin=origin, backlog=backlog, progress=verbosity > 0)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for error in report.errors[:MAX_ERRORS_SHOWN]:
            self.stderr.write(str(error))
        if len(report.errors) > MAX_ERRORS_SHOWN:
            self.stderr.write(f"... and {len(report.errors) - MAX_ERRORS_SHOWN} more lines with errors")
        if verbosity:
            self.stdout.write(
                f"Imported {report.trees} trees, {report.messages} messages; "
                f"{report.users_created} placeholder users created."
            )
            if report.existing_trees:
                self.stdout.write(f"Skipped {len(report.existing_trees)} trees already present.")
            if report.errors:
                self.stdout.write(self.style.WARNING(f"Skipped {len(report.errors)} malformed lines (see above)."))
