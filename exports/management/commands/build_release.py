from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from exports.services.releasing import build_release, request_release


class Command(BaseCommand):
    help = (
        "Build a dataset release now, in this process: every file kind of the ready_for_export trees, "
        "anonymised, with its dataset card (the nightly job does the same in the background)."
    )

    def handle(self, *args, verbosity: int, **options):
        try:
            release = request_release(actor=None, enqueue=False)
            release = build_release(release_id=release.pk)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if release.state != "ready":
            raise CommandError(release.error or release.get_state_display())
        if verbosity:
            self.stdout.write(f"Release {release.pk} is ready in {release.directory}.")
