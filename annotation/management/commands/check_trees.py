"""Re-derive every active tree's state from its messages; report, and with --fix correct, mismatches."""

from django.core.management.base import BaseCommand

from annotation.models import ACTIVE_TREE_STATES, MessageTree
from annotation.services.tree_checks import recheck_trees


class Command(BaseCommand):
    help = "Check that every active tree's state and slot counters match its messages (SPEC 2, step 8)."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="correct the trees that do not match")

    def handle(self, *args, fix: bool, **options):
        checked = MessageTree.objects.filter(state__in=ACTIVE_TREE_STATES).count()
        problems = recheck_trees(fix=fix)
        for check in problems:
            line = f"{check.tree_id}: {check.state} -> {check.derived_state}"
            if check.counter_errors:
                line += f" ({check.counter_errors} messages with wrong slot counters)"
            self.stdout.write(line + (" fixed" if check.fixed else ""))
        summary = f"{len(problems)} of {checked} trees did not match their messages"
        self.stdout.write(self.style.SUCCESS(summary + (" (fixed)." if fix and problems else ".")))
