from django.core.management.base import BaseCommand, CommandError

from accounts.services.api_clients import create_api_client
from core.errors import DomainError


class Command(BaseCommand):
    help = "Create an API client and print its token (shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name: str, **options):
        try:
            client, token = create_api_client(name=name)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stderr.write(f"API client {client.name!r} created. Its token (store it now, it is not kept):")
        self.stdout.write(token)
