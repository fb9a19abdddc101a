"""The prompt lottery (SPEC 2, step 3): accepted prompts wait until a growing slot of their language frees."""

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from annotation.models import Message, MessageTree, TreeState
from annotation.services.tree_state_changes import set_state

logger = logging.getLogger(__name__)

# Tests replace it with a seeded generator.
rng = random.Random()


def run_lottery(*, lang: str, now: datetime | None = None) -> list[MessageTree]:
    """Activate waiting prompts of a language until ``max_active_trees`` trees grow (SPEC 2, step 3)."""
    now = now or timezone.now()
    won: list[MessageTree] = []
    # Most calls (a prompt accepted while every slot is taken) end here, without queueing for the language's
    # lock, which a running lottery holds until its caller's transaction ends.
    if _free_slots(lang) <= 0:
        return won
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One lottery per language at a time, so two draws never both take the last free slot.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"prompt-lottery:{lang}"])
        free = _free_slots(lang)
        if free <= 0:
            return won
        weights = _author_weights(lang=lang, now=now)
        while len(won) < free and weights:
            author_id = rng.choices(list(weights), weights=list(weights.values()))[0]
            tree = (
                MessageTree.objects.filter(
                    state=TreeState.PROMPT_LOTTERY_WAITING,
                    lang=lang,
                    messages__parent__isnull=True,
                    messages__author_id=author_id,
                )
                .order_by("?")
                .select_for_update(skip_locked=True, no_key=True, of=("self",))
                .first()
            )
            if tree is None:
                del weights[author_id]
                continue
            set_state(tree, TreeState.GROWING, now)
            won.append(tree)
    for tree in won:
        logger.info("tree %s won the prompt lottery (%s)", tree.pk, lang)
    return won


def _free_slots(lang: str) -> int:
    return (
        settings.TREE_MANAGER.max_active_trees - MessageTree.objects.filter(state=TreeState.GROWING, lang=lang).count()
    )


def _author_weights(*, lang: str, now: datetime) -> dict:
    """Authors of waiting prompts -> their first places of the last 30 days + 1."""
    waiting_authors = Message.objects.filter(
        parent__isnull=True, tree__state=TreeState.PROMPT_LOTTERY_WAITING, tree__lang=lang
    ).values("author_id")
    weights = dict.fromkeys(waiting_authors.distinct().values_list("author_id", flat=True), 1)
    firsts = (
        Message.objects.filter(
            rank=0, parent__isnull=False, created_at__gte=now - timedelta(days=30), author_id__in=waiting_authors
        )
        .values("author_id")
        .annotate(n=Count("pk"))
        .values_list("author_id", "n")
    )
    for author_id, n in firsts:
        weights[author_id] += n
    return weights


def run_all_lotteries(*, now: datetime | None = None) -> int:
    """The lottery for every language with waiting prompts; returns how many trees started growing."""
    langs = MessageTree.objects.filter(state=TreeState.PROMPT_LOTTERY_WAITING).values_list("lang", flat=True)
    return sum(len(run_lottery(lang=lang, now=now)) for lang in sorted(set(langs.distinct())))
