"""Demo accounts, demo volunteers and the hand-written demo trees for `make run`.

Safe to run again: it only adds what is missing. The trees of fixtures/demo_trees.yaml go through the oasst1
import (``import_oasst``), then ``annotation.services.demo`` gives them what a file does not carry.
"""

import json
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from annotation.demo_trees import DEMO_ORIGIN, DemoDataError, build_plan, read_demo_file, tree_ids, volunteers_of
from annotation.models import MessageTree
from annotation.services.demo import finish_demo_trees
from annotation.services.tree_checks import recheck_trees

DEMO_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo_trees.yaml"
DEMO_PASSWORD = "demo-password"
DEMO_ACCOUNTS = [
    # username, role, languages
    ("admin", Role.ADMIN, ["en"]),
    ("moderator", Role.MODERATOR, ["en", "es"]),
    ("alice", Role.VOLUNTEER, ["en", "de"]),
    ("bob", Role.VOLUNTEER, ["en", "fr"]),
    ("carmen", Role.VOLUNTEER, ["es", "en"]),
]
# The demo volunteers have been around for a while: their first messages are weeks old.
JOINED_DAYS_AGO = 90


class Command(BaseCommand):
    help = (
        "Create the demo accounts and volunteers and load the hand-written demo trees "
        "(fixtures/demo_trees.yaml), in every tree state, with reviews, rankings and reactions."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--trees", type=int, default=0, help="generated trees to add as well, for scale tests (generate_oasst)"
        )

    def handle(self, *args, trees: int, **options):
        data = read_demo_file(DEMO_FILE)
        volunteers = volunteers_of(data)
        accounts = [(username, role, languages, username.title()) for username, role, languages in DEMO_ACCOUNTS]
        accounts += [(v.username, Role.VOLUNTEER, v.languages, v.display_name) for v in volunteers]
        users = self._users(accounts)

        stored = {str(pk) for pk in MessageTree.objects.filter(pk__in=tree_ids(data)).values_list("pk", flat=True)}
        now = timezone.now()
        try:
            plan = build_plan(
                data,
                languages={name: user.languages for name, user in users.items()},
                user_ids={name: user.pk for name, user in users.items()},
                now=now,
            )
        except DemoDataError as exc:
            raise CommandError(f"{DEMO_FILE}: {exc}") from exc
        new = [tree for tree in plan.trees if tree.id not in stored]
        if new:
            with transaction.atomic(), tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "demo_trees.jsonl"
                path.write_text("".join(json.dumps(tree.line, ensure_ascii=False) + "\n" for tree in new), "utf-8")
                call_command("import_oasst", str(path), strict=True, origin=DEMO_ORIGIN, verbosity=0)
                finish_demo_trees(trees=new, users=users, now=now)
        if trees:
            call_command("generate_oasst", trees=trees, seed=1, verbosity=0)
        call_command("refresh_user_stats", verbosity=0)

        problems = recheck_trees()
        total = MessageTree.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Demo data: {total} trees ({len(new)} demo trees added now)."))
        if problems:
            self.stdout.write(
                self.style.WARNING(f"{len(problems)} trees do not match their messages: see check_trees.")
            )
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role, languages in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<10} {role.label:<10} languages: {', '.join(languages)}")
        names = ", ".join(v.username for v in volunteers)
        self.stdout.write(f"Demo volunteers with the same password: {names}.")
        self.stdout.write("Open http://127.0.0.1:8000 and log in with one of them.")

    def _users(self, accounts: list[tuple[str, str, list[str], str]]) -> dict[str, User]:
        """The demo users by username, created when missing (with one password hash for all of them)."""
        existing = {user.username: user for user in User.objects.filter(username__in=[a[0] for a in accounts])}
        password = make_password(DEMO_PASSWORD) if len(existing) < len(accounts) else None
        joined = timezone.now() - timedelta(days=JOINED_DAYS_AGO)
        for username, role, languages, display_name in accounts:
            if username in existing:
                continue
            existing[username] = User.objects.create(
                username=username,
                password=password,
                email=f"{username}@example.org",
                display_name=display_name,
                role=role,
                languages=languages,
                tos_accepted_at=joined,
                date_joined=joined,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
        return existing
