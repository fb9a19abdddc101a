"""Scoring a ranked tree (SPEC 2, step 6): the rankings of each rankable parent become Message.rank."""

import logging
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from annotation.models import Message, MessageTree, Ranking, TreeState
from annotation.services import ranking as ranking_service
from annotation.services.tree_state import rankable_parents, tree_facts
from annotation.services.tree_state_changes import set_state

logger = logging.getLogger(__name__)


def score_tree(*, tree: MessageTree, now: datetime | None = None) -> bool:
    """Merge the rankings of every rankable parent into Message.rank; the tree becomes ready_for_export.

    Any error leaves the ranks untouched and the tree in scoring_failed (retried by the re-check).
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            _write_ranks(tree)
    except Exception:
        logger.exception("scoring tree %s failed", tree.pk)
        set_state(tree, TreeState.SCORING_FAILED, now)
        return False
    set_state(tree, TreeState.READY_FOR_EXPORT, now)
    return True


def _write_ranks(tree: MessageTree) -> None:
    facts = tree_facts(tree)
    votes = defaultdict(list)
    for parent_id, shown, order in Ranking.objects.filter(tree=tree, not_rankable=False).values_list(
        "parent", "ranked_message_ids", "ranking"
    ):
        votes[parent_id].append([str(shown[i]) for i in order])
    ranked = []
    for parent_id, children in rankable_parents(facts).items():
        items = [str(child.pk) for child in children]  # oldest first: the final tie-break
        order = ranking_service.ranked_pairs(items=items, rankings=votes[parent_id])
        position = {message_id: rank for rank, message_id in enumerate(order)}
        for child in children:
            child.rank = position[str(child.pk)]
            ranked.append(child)
    Message.objects.bulk_update(ranked, ["rank"])
