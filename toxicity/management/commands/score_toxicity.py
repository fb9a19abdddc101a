import dataclasses
import uuid

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.errors import DomainError
from toxicity.classifiers import Classifier, get_classifier
from toxicity.conf import BACKEND_PROFANITY_CHECK, BACKEND_TRANSFORMERS, primary_language, toxicity_settings
from toxicity.errors import LanguageNotCovered
from toxicity.services.scoring import ScoreRun, backfill, backfill_candidates


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(primary_language(part) for value in values or () for part in value.split(",") if part.strip())


class Command(BaseCommand):
    help = (
        "Score old messages (imports included) for toxicity, in message id order with a progress bar. "
        "Interrupted, it keeps what it scored: run it again (--missing goes on where it stopped)."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--missing", action="store_true", help="messages the model has not scored (default)")
        which.add_argument("--all", action="store_true", help="every message, scored again")
        parser.add_argument("--lang", action="append", help="language codes, repeatable or comma separated")
        parser.add_argument(
            "--model",
            help="'profanity_check', or the folder of a transformers model (default: the configured classifier)",
        )
        parser.add_argument("--after", type=uuid.UUID, help="start after this message id (resume an --all run)")
        parser.add_argument("--batch-size", type=int, help="messages per batch (default TOXICITY_BATCH_SIZE)")
        parser.add_argument("--no-flag", action="store_true", help="store the scores without flagging any message")

    def handle(self, *args, verbosity: int, **options):
        languages = _split(options["lang"])
        try:
            classifier = self._classifier(options["model"])
            not_covered = [code for code in languages if not classifier.covers(code)]
            if not_covered:
                raise LanguageNotCovered(
                    f"{classifier.model_name} does not cover {', '.join(not_covered)}; choose another --model."
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        missing_only = not options["all"]
        after = options["after"]
        total = backfill_candidates(
            classifier=classifier, missing_only=missing_only, languages=languages, after=after
        ).count()
        if verbosity:
            self.stdout.write(f"Scoring {total} messages with {classifier.model_name}.")
        bar = tqdm(total=total, unit="msg", disable=verbosity == 0, dynamic_ncols=True)
        done = ScoreRun(last_id=after)

        def on_batch(run: ScoreRun) -> None:
            done.add(run)
            bar.update(run.scored + run.failed + run.not_covered)

        try:
            backfill(
                classifier=classifier,
                missing_only=missing_only,
                languages=languages,
                after=after,
                flag=not options["no_flag"],
                batch_size=options["batch_size"],
                on_batch=on_batch,
            )
        except (KeyboardInterrupt, DomainError) as exc:
            bar.close()
            resume = "--missing" if missing_only else f"--all --after {done.last_id}" if done.last_id else "--all"
            reason = exc.message if isinstance(exc, DomainError) else "Interrupted"
            raise CommandError(
                f"{reason} after {done.scored} messages scored; run again with {resume} to go on."
            ) from exc
        bar.close()
        if verbosity:
            self.stdout.write(
                f"Scored {done.scored} messages ({done.flagged} flagged, {done.failed} failed) "
                f"with {classifier.model_name}."
            )

    def _classifier(self, model: str | None) -> Classifier:
        values = toxicity_settings()
        if model:
            if model == BACKEND_PROFANITY_CHECK:
                if values.backend != BACKEND_PROFANITY_CHECK:
                    values = dataclasses.replace(values, backend=BACKEND_PROFANITY_CHECK, model_name="")
            elif not (values.backend == BACKEND_TRANSFORMERS and values.model_path == model):
                values = dataclasses.replace(values, backend=BACKEND_TRANSFORMERS, model_path=model, model_name="")
        elif not values.enabled:
            raise CommandError("Toxicity scoring is off (TOXICITY_BACKEND); name a --model.")
        return get_classifier(values)
