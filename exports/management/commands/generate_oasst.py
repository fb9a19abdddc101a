from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.errors import DomainError
from exports.files import open_text
from exports.generator import generate, generated_records, write_generated
from exports.services.importing import import_records


class Command(BaseCommand):
    help = (
        "Generate synthetic trees with the shape of the 2023 release (deterministic for a seed): into the "
        "database (with reviews and rankings), or into an oasst1 tree file with --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("--trees", type=int, default=1000, help="number of trees (the 2023 release: 66497)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--users", type=int, default=None, help="number of users (default: scaled with trees)")
        parser.add_argument("--output", help="write a .jsonl or .jsonl.gz tree file (- for standard output)")

    def handle(self, *args, trees: int, seed: int, users: int | None, output: str | None, verbosity: int, **options):
        if trees < 0 or (users is not None and users < 1):
            raise CommandError("--trees and --users must be positive.")
        bar = {"total": trees, "disable": None if verbosity > 0 and output != "-" else True}
        try:
            if output:
                with open_text(output, "w") as out:
                    write_generated(out, trees=tqdm(generate(trees=trees, seed=seed, users=users), **bar))
                summary = f"Wrote {trees} trees to {output}."
            else:
                report = import_records(
                    tqdm(generated_records(trees=trees, seed=seed, users=users), **bar), strict=True
                )
                summary = f"Generated {report.trees} trees, {report.messages} messages."
        except (DomainError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if verbosity and output != "-":
            self.stdout.write(summary)
