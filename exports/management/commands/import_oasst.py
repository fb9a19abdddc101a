from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from exports.services.importing import import_file

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Import an oasst1 file: tree lines or flat message lines (detected per line), .jsonl or .jsonl.gz, or a "
        ".parquet file in the Hugging Face layout. Malformed lines are reported and their trees skipped, and the "
        "command then exits with an error; with --strict nothing is imported on error."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the .jsonl, .jsonl.gz or .parquet file, or - for standard input")
        parser.add_argument("--strict", action="store_true", help="stop at the first error and import nothing")
        parser.add_argument("--origin", default=None, help="origin of the trees whose line gives none")
        parser.add_argument(
            "--backlog",
            action="store_true",
            help="put finished trees (ranking .. ready_for_export) in backlog_ranking, to be ranked here",
        )
        parser.add_argument(
            "--max-errors-shown",
            type=int,
            default=MAX_ERRORS_SHOWN,
            help=f"how many skipped lines to list (default {MAX_ERRORS_SHOWN}, 0 for all)",
        )

    def handle(
        self,
        *args,
        file: str,
        strict: bool,
        origin: str | None,
        backlog: bool,
        max_errors_shown: int,
        verbosity: int,
        **options,
    ):
        try:
            report = import_file(file, strict=strict, origin=origin, backlog=backlog, progress=verbosity > 0)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        shown = report.errors[:max_errors_shown] if max_errors_shown > 0 else report.errors
        for error in shown:
            self.stderr.write(str(error))
        if len(report.errors) > len(shown):
            self.stderr.write(f"... and {len(report.errors) - len(shown)} more lines skipped")
        if verbosity:
            self.stdout.write(
                f"Imported {report.trees} trees, {report.messages} messages; "
                f"{report.users_created} placeholder users created."
            )
            if report.existing_trees:
                self.stdout.write(f"Skipped {len(report.existing_trees)} trees already present.")
        if report.errors:
            # Whatever was skipped makes the command fail, so that a script notices (what was stored stays).
            raise CommandError(
                f"Lines skipped with errors: {len(report.errors)} (listed above); stored: "
                f"{report.trees} trees, {report.messages} messages."
            )
