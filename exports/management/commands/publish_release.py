import uuid

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from exports.models import Release, ReleaseState
from exports.services.hub import publish_release


class Command(BaseCommand):
    help = (
        "Publish a finished release (its files, README.md and plots) to the Hugging Face Hub dataset "
        "HF_DATASET_REPO_ID in one commit."
    )

    def add_arguments(self, parser):
        parser.add_argument("release_id", nargs="?", help="the id of the release")
        parser.add_argument("--latest", action="store_true", help="the newest finished release")

    def handle(self, *args, release_id: str | None, latest: bool, verbosity: int, **options):
        if bool(release_id) == latest:
            raise CommandError("Give a release id or --latest (not both).")
        try:
            if latest:
                release = Release.objects.filter(state=ReleaseState.READY).order_by("-created_at").first()
                if release is None:
                    raise CommandError("There is no finished release.")
                release_pk = release.pk
            else:
                release_pk = _release_id(release_id)
            release = publish_release(release_id=release_pk, actor=None)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if verbosity:
            self.stdout.write(f"Published release {release.pk} to {release.hub_repo_id}: {release.hub_commit_url}")


def _release_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CommandError(f"Not a release id (a UUID): {value!r}.") from None
