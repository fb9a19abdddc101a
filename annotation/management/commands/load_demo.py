"""Demo accounts and demo trees for `make run`. Safe to run again: it only adds what is missing."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts.models import Role, User
from annotation.models import MessageTree

SAMPLE_FILE = Path(settings.BASE_DIR) / "fixtures" / "oasst_sample.jsonl"
DEMO_PASSWORD = "demo-password"
DEMO_ACCOUNTS = [
    # username, role, languages
    ("admin", Role.ADMIN, ["en"]),
    ("moderator", Role.MODERATOR, ["en", "es"]),
    ("alice", Role.VOLUNTEER, ["en", "de"]),
    ("bob", Role.VOLUNTEER, ["en", "fr"]),
    ("carmen", Role.VOLUNTEER, ["es", "en"]),
]


class Command(BaseCommand):
    help = "Create demo accounts and load demo trees (the fixture sample plus generated trees)."

    def add_arguments(self, parser):
        parser.add_argument("--trees", type=int, default=400, help="generated trees to add besides the sample")

    def handle(self, *args, trees: int, **options):
        for username, role, languages in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@example.org",
                    "display_name": username.title(),
                    "role": role,
                    "languages": languages,
                    "tos_accepted_at": timezone.now(),
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])

        if not MessageTree.objects.exists():
            call_command("import_oasst", str(SAMPLE_FILE), origin="demo", verbosity=0)
            call_command("generate_oasst", trees=trees, seed=1, verbosity=0)
            call_command("check_trees", fix=True, verbosity=0)

        self.stdout.write(self.style.SUCCESS(f"Demo data: {MessageTree.objects.count()} trees."))
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role, languages in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<10} {role.label:<10} languages: {', '.join(languages)}")
        self.stdout.write("Open http://127.0.0.1:8000 and log in with one of them.")
