"""Signals the accounts app sends, so that apps above it can react without accounts importing them."""

from django.dispatch import Signal

# Sent by delete_account inside its transaction, with ``user``: the account being deleted.
account_deleted = Signal()
