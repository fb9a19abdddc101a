from django.core.management.base import BaseCommand

from stats.services.points import refresh_user_stats


class Command(BaseCommand):
    help = "Recompute the leaderboard rows of every time frame now (the background job does it every few minutes)."

    def handle(self, *args, verbosity: int, **options):
        rows = refresh_user_stats()
        if verbosity:
            self.stdout.write(f"Leaderboard refreshed: {rows} rows.")
