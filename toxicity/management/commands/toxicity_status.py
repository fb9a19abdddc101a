from django.core.management.base import BaseCommand

from toxicity.conf import classifier_model_name, covered_languages, toxicity_settings
from toxicity.selectors import queue_status, unscored_by_language


class Command(BaseCommand):
    help = "How the toxicity scoring stands: the classifier, the messages waiting for a score, the last failure."

    def add_arguments(self, parser):
        parser.add_argument(
            "--unscored", action="store_true", help="also count, per language, the messages the model never scored"
        )

    def handle(self, *args, **options):
        values = toxicity_settings()
        if not values.enabled:
            self.stdout.write("Toxicity scoring is off (TOXICITY_BACKEND=off).")
        else:
            name = classifier_model_name(values)
            covered = covered_languages(values)
            languages = "all" if covered is None else ", ".join(covered) or "none"
            self.stdout.write(f"Classifier: {values.backend}, model {name}, languages {languages}.")
        status = queue_status()
        since = f", the oldest since {status.oldest_queued_at:%Y-%m-%d %H:%M:%S %Z}" if status.oldest_queued_at else ""
        self.stdout.write(f"Waiting for a score: {status.waiting} messages{since}.")
        if status.failing:
            self.stdout.write(
                f"The classifier failed too often on {status.failing} of them; `score_toxicity --missing` tries again."
            )
        if status.last_failure:
            self.stdout.write(f"Last failure ({status.last_failure['at']}): {status.last_failure['error']}")
        if options["unscored"] and values.enabled:
            for lang, count in unscored_by_language(model_name=classifier_model_name(values)).items():
                self.stdout.write(f"  {lang}: {count} messages without a score")
