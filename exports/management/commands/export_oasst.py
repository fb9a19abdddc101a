from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from exports.filters import ExportFilter, parse_date_bound, parse_inclusion, parse_user_id
from exports.services.exporting import export_to_file

INCLUSION_HELP = "include, exclude (default; include with --backup) or only"


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(part.strip() for value in values or () for part in value.split(",") if part.strip())


class Command(BaseCommand):
    help = "Export trees to an oasst1 file (.jsonl or .jsonl.gz by name, - for standard output)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the file to write, or - for standard output")
        parser.add_argument("--flat", action="store_true", help="one message per line instead of one tree")
        parser.add_argument(
            "--state",
            action="append",
            help="tree state, repeatable or comma separated (default ready_for_export, 'all' for every state; "
            "all with --backup)",
        )
        parser.add_argument("--lang", action="append", help="language of the trees, repeatable or comma separated")
        parser.add_argument("--deleted", help=f"deleted messages: {INCLUSION_HELP}")
        parser.add_argument("--rejected", help=f"rejected ('spam') messages: {INCLUSION_HELP}")
        parser.add_argument("--synthetic", help=f"model-written messages: {INCLUSION_HELP}")
        parser.add_argument("--user", help="only the messages of this user id (with their threads in a tree file)")
        parser.add_argument("--from", dest="date_from", help="trees created on or after this date (YYYY-MM-DD)")
        parser.add_argument("--to", dest="date_to", help="trees created on or before this date (YYYY-MM-DD)")
        parser.add_argument("--prompts-only", action="store_true", help="only the prompts")
        parser.add_argument("--no-labels", action="store_true", help="leave the labels out")
        parser.add_argument("--events", action="store_true", help="write the events (rankings, emojis, reports)")
        parser.add_argument("--anonymize-seed", help="replace every id by a stable hash of (kind, id, seed)")
        parser.add_argument(
            "--backup",
            action="store_true",
            help="a full-fidelity file for operators: every tree and message (unless filtered), with events and "
            "labels, and what the public format leaves out by rule; importing it gives back what was exported",
        )

    def handle(self, *args, file: str, verbosity: int, **options):
        try:
            export_filter = self._filter(options)
            report = export_to_file(file, export_filter, flat=options["flat"], progress=verbosity > 0 and file != "-")
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if verbosity and file != "-":
            self.stdout.write(f"Exported {report.trees} trees, {report.messages} messages to {file}.")

    def _filter(self, options: dict) -> ExportFilter:
        backup = options["backup"]
        default_inclusion = "include" if backup else "exclude"
        states = _split(options["state"]) or (("all",) if backup else ("ready_for_export",))
        return ExportFilter(
            states=() if "all" in states else states,
            langs=_split(options["lang"]),
            deleted=parse_inclusion(options["deleted"] or default_inclusion),
            rejected=parse_inclusion(options["rejected"] or default_inclusion),
            synthetic=parse_inclusion(options["synthetic"] or default_inclusion),
            user_id=parse_user_id(options["user"]) if options["user"] else None,
            date_from=parse_date_bound(options["date_from"], end=False) if options["date_from"] else None,
            date_to=parse_date_bound(options["date_to"], end=True) if options["date_to"] else None,
            prompts_only=options["prompts_only"],
            labels=not options["no_labels"],
            events=options["events"],
            anonymize_seed=options["anonymize_seed"],
            backup=backup,
        )
