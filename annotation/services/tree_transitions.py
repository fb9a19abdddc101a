"""Moving a message tree through its states (SPEC 2).

``sync_tree`` moves a tree to the state its messages call for (``tree_state``) and runs the follow-ups of
that move: scoring, the prompt lottery, backlog activation. Submissions, moderator actions and the re-check
all go through it, so the re-check after a crash or a config change is the same code as the normal path.
"""

import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from annotation.models import ACTIVE_TREE_STATES, Message, MessageTree, Role, TreeState
from annotation.services.backlog import maybe_activate_backlog
from annotation.services.prompt_lottery import run_lottery
from annotation.services.scoring import score_tree
from annotation.services.tree_state import derived_state, tree_facts
from annotation.services.tree_state_changes import lock_tree, set_state
from core.errors import Conflict

logger = logging.getLogger(__name__)


def tree_limits() -> dict[str, int]:
    """The limits a new tree copies from TREE_MANAGER (MessageTree fields)."""
    cfg = settings.TREE_MANAGER
    return {
        "max_depth": cfg.max_tree_depth,
        "max_children_count": cfg.max_children_count,
        "goal_tree_size": cfg.goal_tree_size,
    }


def start_tree(*, author: User | None, text: str, lang: str, origin: str = "", now: datetime | None = None) -> Message:
    """A new tree in ``initial_prompt_review`` with its prompt; it copies the limits of TREE_MANAGER."""
    now = now or timezone.now()
    tree_id = uuid.uuid4()
    tree = MessageTree.objects.create(
        id=tree_id, state=TreeState.INITIAL_PROMPT_REVIEW, lang=lang, origin=origin, **tree_limits()
    )
    return Message.objects.create(
        id=tree_id, tree=tree, author=author, role=Role.PROMPTER, lang=lang, text=text, depth=0, created_at=now
    )


def acceptance(labels: dict) -> float:
    """1 - (mean spam + mean lang_mismatch) over the message's reviews (SPEC 2)."""
    return 1 - sum(float(labels.get(name, {}).get("value", 0)) for name in ("spam", "lang_mismatch"))


def required_reviews(message: Message) -> int:
    cfg = settings.TREE_MANAGER
    return cfg.num_reviews_initial_prompt if message.parent_id is None else cfg.num_reviews_reply


def decide_review(*, message: Message) -> None:
    """Accept or reject a message that has all its reviews; called with the message row locked.

    A rejected reply frees its place under its parent.
    """
    cfg = settings.TREE_MANAGER
    threshold = cfg.acceptance_threshold_initial_prompt if message.parent_id is None else cfg.acceptance_threshold_reply
    message.review_result = acceptance(message.labels) > threshold
    if not message.review_result and message.parent_id is not None and not message.deleted:
        Message.objects.filter(pk=message.parent_id).update(children_count=Greatest(F("children_count") - 1, 0))


def advance_tree(tree: MessageTree, now: datetime, *, activate_backlog: bool = True) -> None:
    """Move a tree, locked in the caller's transaction, to its derived state and run the follow-ups of the move."""
    if tree.state not in ACTIVE_TREE_STATES:
        return
    old = tree.state
    new = derived_state(tree, tree_facts(tree))
    if new != old:
        set_state(tree, new, now)
    if new == TreeState.READY_FOR_SCORING:
        score_tree(tree=tree, now=now)
    if tree.state == old:
        return
    logger.info("tree %s: %s -> %s", tree.pk, old, tree.state)
    if old == TreeState.GROWING or tree.state == TreeState.PROMPT_LOTTERY_WAITING:
        run_lottery(lang=tree.lang, now=now)
        # The lottery may have picked this very tree.
        tree.refresh_from_db(fields=["state", "state_changed_at", "activated_at"])
    if activate_backlog and tree.state == TreeState.READY_FOR_EXPORT:
        activated = maybe_activate_backlog(lang=tree.lang, now=now)
        if activated is not None:
            advance_tree(activated, now, activate_backlog=False)


def sync_tree(*, tree_id: uuid.UUID, now: datetime | None = None) -> MessageTree:
    """Bring one tree to the state its messages call for (after a submission or a moderator action)."""
    now = now or timezone.now()
    with transaction.atomic():
        tree = lock_tree(tree_id)
        advance_tree(tree, now)
    return tree


def _leave(tree: MessageTree, state: str, now: datetime) -> None:
    """Move a locked tree out of its state by a decision from outside its messages; a tree that was growing
    frees a growth slot of its language, which the lottery fills."""
    old = tree.state
    set_state(tree, state, now)
    if old == TreeState.GROWING:
        run_lottery(lang=tree.lang, now=now)


def abort_tree(*, tree: MessageTree, now: datetime | None = None) -> MessageTree:
    """End an active tree as aborted_low_grade (its prompt was flagged too often). Records nothing: the caller
    logs the action."""
    now = now or timezone.now()
    with transaction.atomic():
        tree = lock_tree(tree.pk)
        if tree.state in ACTIVE_TREE_STATES:
            _leave(tree, TreeState.ABORTED_LOW_GRADE, now)
    return tree


def halt_tree(*, tree: MessageTree, now: datetime | None = None) -> MessageTree:
    """Stop a tree; it remembers where to return to. Records nothing: the caller logs the action."""
    now = now or timezone.now()
    with transaction.atomic():
        tree = lock_tree(tree.pk)
        if tree.state == TreeState.HALTED_BY_MODERATOR:
            raise Conflict(_("This tree is already halted."))
        tree.state_before_halt = tree.state
        _leave(tree, TreeState.HALTED_BY_MODERATOR, now)
    return tree


def resume_tree(*, tree: MessageTree, now: datetime | None = None) -> MessageTree:
    """Return a halted tree to the state it had (growing, or review if it never left it), then re-check it."""
    now = now or timezone.now()
    with transaction.atomic():
        tree = lock_tree(tree.pk)
        if tree.state != TreeState.HALTED_BY_MODERATOR:
            raise Conflict(_("This tree is not halted."))
        previous = tree.state_before_halt or TreeState.GROWING
        tree.state_before_halt = ""
        set_state(tree, previous, now)
        advance_tree(tree, now)
    return tree
