"""Submitting a task's result (SPEC 3): texts, reviews, rankings.

Each submission locks its task row first: a retried or concurrent second submission of the same task
waits, finds it done and gets the first result back. A task whose lease ran out may still be submitted
while its slot is free (the expiry closed the task but nobody took its place).
"""

import functools
import math
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services.activity import record_activity
from annotation.errors import (
    AlreadyReplied,
    DuplicateText,
    InvalidLabels,
    InvalidRanking,
    ReviewCommentTooLong,
    TaskClosed,
    TaskExpired,
    TreeNotOpen,
    WrongTaskKind,
)
from annotation.labels import REQUIRED_LABEL_NAMES, label_names
from annotation.message_text import check_message_text
from annotation.models import (
    RANKING_TASK_TYPES,
    REVIEW_TASK_TYPES,
    Message,
    Ranking,
    Review,
    Role,
    Task,
    TaskState,
    TaskType,
    TreeState,
)
from annotation.services import tree_transitions
from annotation.services.claims import release_claim
from annotation.services.drafts import discard_drafts, save_draft
from annotation.services.task_handout import check_user, lock_task
from annotation.services.tree_state import reply_limit
from annotation.signals import message_written
from core import metrics
from core.errors import Conflict, DomainError, InvalidInput, RateLimited

R = TypeVar("R")

# A review's free-text comment, at most (SPEC 3: an optional comment).
MAX_REVIEW_COMMENT_LENGTH = 2000
TEXT_TASK_TYPES = (TaskType.INITIAL_PROMPT, TaskType.PROMPTER_REPLY, TaskType.ASSISTANT_REPLY)
LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _check_open(task: Task, types: tuple[str, ...]) -> None:
    """The locked task must be of one of ``types`` and not skipped (the caller handles DONE before)."""
    if task.type not in types:
        raise WrongTaskKind()
    if task.state == TaskState.SKIPPED:
        raise TaskClosed()


def _close_done(task: Task, now: datetime, *, result: dict, message: Message | None = None) -> None:
    task.state = TaskState.DONE
    task.closed_at = now
    task.result = result
    task.result_message = message
    task.save(update_fields=["state", "closed_at", "result", "result_message"])
    metrics.submission_accepted(kind=task.type)


def _close_unusable(task: Task, now: datetime) -> None:
    """The item no longer takes this contribution (tree halted, message hidden): free the slot."""
    release_claim(task=task)
    task.state = TaskState.EXPIRED
    task.closed_at = now
    task.save(update_fields=["state", "closed_at"])


def _take_slot(task: Task, row: Message, *, used: int, limit: int) -> None:
    """Turn the task's claim into a result on ``row`` (locked); an expired task needs a free slot again."""
    if task.state == TaskState.OPEN:
        release_claim(task=task, row=row)
    elif used >= limit:
        raise TaskExpired()


def _check_text(*, user: User, text: str, now: datetime) -> str:
    text = check_message_text(text)
    since = now - timedelta(hours=settings.TREE_MANAGER.duplicate_text_window_hours)
    if Message.objects.filter(author=user, created_at__gte=since, text=text).exists():
        raise DuplicateText()
    return text


def _check_reply_rate(*, user: User, role: str, now: datetime) -> None:
    cfg = settings.TREE_MANAGER
    if role == Role.ASSISTANT:
        limit, minutes = cfg.rate_limit_assistant_replies, cfg.rate_limit_assistant_replies_minutes
    else:
        limit, minutes = cfg.rate_limit_prompter_replies, cfg.rate_limit_prompter_replies_minutes
    since = now - timedelta(minutes=minutes)
    recent = Message.objects.filter(author=user, created_at__gte=since, role=role, parent__isnull=False).count()
    if recent >= limit:
        raise RateLimited(
            _("You wrote %(count)d replies in the last %(minutes)d minutes; please wait a little.")
            % {"count": recent, "minutes": minutes}
        )


def _counted(service: Callable[..., R]) -> Callable[..., R]:
    """Counts a submission the service refused (core.metrics); an accepted one is counted by ``_close_done``."""

    @functools.wraps(service)
    def counted(*, task: Task, **kwargs: Any) -> R:
        try:
            return service(task=task, **kwargs)
        except DomainError as error:
            metrics.submission_refused(kind=task.type, code=error.code)
            raise

    return counted


@_counted
def submit_text(*, task: Task, user: User, text: str, lang: str | None = None) -> Message:
    """The text of an initial prompt or a reply; a second submission of the task returns the same message.

    Once it is sent, the task's draft and the drafts offered to it are gone. When the task lost its claim (it
    expired, or its tree stopped taking replies) the text is kept as a draft, so that the next task on the same
    parent starts with it: no typed work is lost (SPEC 10).
    """
    try:
        return _submit_text(task=task, user=user, text=text, lang=lang)
    except DomainError:
        _keep_text_of_lost_claim(task=task, user=user, text=text)
        raise


def _keep_text_of_lost_claim(*, task: Task, user: User, text: str) -> None:
    task = Task.objects.filter(pk=task.pk, user=user).first()
    if task is None or not (text or "").strip():
        return
    lease_over = task.state == TaskState.OPEN and task.expires_at <= timezone.now()
    if task.state == TaskState.EXPIRED or lease_over:
        save_draft(user=user, task=task, text=text)


def _submit_text(*, task: Task, user: User, text: str, lang: str | None) -> Message:
    check_user(user)
    now = timezone.now()
    error: DomainError | None = None
    with transaction.atomic():
        task = lock_task(task=task, user=user)
        if task.state == TaskState.DONE and task.type in TEXT_TASK_TYPES:
            return Message.objects.get(pk=task.result["message_id"])
        _check_open(task, TEXT_TASK_TYPES)
        text = _check_text(user=user, text=text, now=now)
        if task.type == TaskType.INITIAL_PROMPT:
            lang = (lang or task.lang).strip()
            if not LANG_TAG.match(lang):
                raise InvalidInput(_("Unknown language code."))
            origin = "api" if user.api_client_id else "web"
            message = tree_transitions.start_tree(author=user, text=text, lang=lang, origin=origin, now=now)
        else:
            parent = (
                Message.objects.select_for_update(no_key=True, of=("self",))
                .select_related("tree")
                .get(pk=task.parent_message_id)
            )
            if parent.tree.state != TreeState.GROWING or parent.deleted or not parent.review_result:
                _close_unusable(task, now)
                error = TreeNotOpen()
            else:
                message = _add_reply(task=task, user=user, parent=parent, text=text, now=now)
        if error is None:
            _close_done(task, now, result={"message_id": str(message.pk)}, message=message)
            _announce_message(message, now)
            # The text is sent: neither it nor the texts offered to this task come back.
            discard_drafts(user=user, task=task)
    if error is not None:
        raise error
    record_activity(user=user, now=now)
    return message


def _announce_message(message: Message, now: datetime) -> None:
    """Tell other apps (toxicity scoring queues it) about the new message, inside its transaction."""
    message_written.send(sender=Message, message_id=message.pk, edited=False, written_at=now)


def _add_reply(*, task: Task, user: User, parent: Message, text: str, now: datetime) -> Message:
    role = Role.ASSISTANT if parent.role == Role.PROMPTER else Role.PROMPTER
    _check_reply_rate(user=user, role=role, now=now)
    if Message.objects.filter(parent=parent, author=user).exists():
        raise AlreadyReplied()
    limit = reply_limit(parent, parent.tree)
    _take_slot(task, parent, used=parent.children_count + parent.reply_claims, limit=limit)
    parent.children_count += 1
    parent.save(update_fields=["children_count", "reply_claims"])
    return Message.objects.create(
        tree_id=parent.tree_id,
        parent=parent,
        author=user,
        role=role,
        lang=parent.tree.lang,
        text=text,
        depth=parent.depth + 1,
        created_at=now,
    )


def _clean_values(values: object, allowed: list[str]) -> dict[str, float]:
    if not isinstance(values, dict):
        raise InvalidLabels()
    cleaned = {}
    for name, value in values.items():
        if name not in allowed:
            raise InvalidLabels(_("The label %(name)s does not apply here.") % {"name": name})
        if isinstance(value, bool):
            value = float(value)
        if not isinstance(value, int | float) or math.isnan(value) or not 0 <= value <= 1:
            raise InvalidLabels(_("The value of %(name)s must be a number from 0 to 1.") % {"name": name})
        cleaned[name] = float(value)
    missing = [name for name in REQUIRED_LABEL_NAMES if name in allowed and name not in cleaned]
    if missing:
        raise InvalidLabels(_("Please answer: %(names)s.") % {"names": ", ".join(missing)}, missing=missing)
    return cleaned


def _add_to_labels(labels: dict, values: dict[str, float]) -> dict:
    """The {name: {value: mean, count}} aggregate with one more review folded in."""
    merged = dict(labels)
    for name, value in values.items():
        old = merged.get(name) or {"value": 0.0, "count": 0}
        count = old["count"] + 1
        merged[name] = {"value": (old["value"] * old["count"] + value) / count, "count": count}
    return merged


@_counted
def submit_review(*, task: Task, user: User, values: dict[str, float], comment: str = "") -> Review:
    """A review's label values; once a message has all its reviews it is accepted or rejected."""
    check_user(user)
    now = timezone.now()
    error: DomainError | None = None
    decided = False
    with transaction.atomic():
        task = lock_task(task=task, user=user)
        if task.state == TaskState.DONE and task.type in REVIEW_TASK_TYPES:
            return Review.objects.get(pk=task.result["review_id"])
        _check_open(task, REVIEW_TASK_TYPES)
        message = (
            Message.objects.select_for_update(no_key=True, of=("self",)).select_related("tree").get(pk=task.message_id)
        )
        allowed = task.payload.get("label_names") or label_names(role=message.role, full=True)
        cleaned = _clean_values(values, allowed)
        comment = (comment or "").strip()
        if len(comment) > MAX_REVIEW_COMMENT_LENGTH:
            raise ReviewCommentTooLong(
                _("The comment is %(length)d characters long; at most %(limit)d are allowed.")
                % {"length": len(comment), "limit": MAX_REVIEW_COMMENT_LENGTH}
            )
        expected_state = TreeState.INITIAL_PROMPT_REVIEW if message.parent_id is None else TreeState.GROWING
        if message.tree.state != expected_state or message.deleted or message.review_result is not None:
            _close_unusable(task, now)
            error = TreeNotOpen()
        else:
            if Review.objects.filter(message=message, reviewer=user).exists():
                raise Conflict(_("You already reviewed this message."))
            required = tree_transitions.required_reviews(message)
            used = message.review_count + message.review_claims
            _take_slot(task, message, used=used, limit=required)
            review = Review.objects.create(
                message=message,
                reviewer=user,
                task=task,
                values=cleaned,
                full=bool(task.payload.get("full_labels")),
                comment=comment,
            )
            message.review_count += 1
            message.labels = _add_to_labels(message.labels, cleaned)
            decided = message.review_count >= required
            if decided:
                tree_transitions.decide_review(message=message)
            message.save(update_fields=["review_count", "review_claims", "labels", "review_result"])
            _close_done(task, now, result={"review_id": review.pk})
    if error is not None:
        raise error
    if decided:
        tree_transitions.sync_tree(tree_id=message.tree_id, now=now)
    record_activity(user=user, now=now)
    return review


@_counted
def submit_ranking(*, task: Task, user: User, ranking: list[str] | None, not_rankable: bool = False) -> Ranking:
    """An ordering of the shown replies, best first, or "none of these is acceptable" (``not_rankable``)."""
    check_user(user)
    now = timezone.now()
    required = settings.TREE_MANAGER.num_required_rankings
    error: DomainError | None = None
    with transaction.atomic():
        task = lock_task(task=task, user=user)
        if task.state == TaskState.DONE and task.type in RANKING_TASK_TYPES:
            return Ranking.objects.get(pk=task.result["ranking_id"])
        _check_open(task, RANKING_TASK_TYPES)
        shown = [str(message_id) for message_id in task.payload.get("replies", [])]
        order = [] if not_rankable else _ranking_indices(ranking, shown)
        parent = (
            Message.objects.select_for_update(no_key=True, of=("self",))
            .select_related("tree")
            .get(pk=task.parent_message_id)
        )
        if parent.tree.state != TreeState.RANKING or parent.deleted:
            _close_unusable(task, now)
            error = TreeNotOpen()
        else:
            if Ranking.objects.filter(parent=parent, user=user).exists():
                raise Conflict(_("You already ranked these replies."))
            used = parent.ranking_count + parent.ranking_claims
            _take_slot(task, parent, used=used, limit=required)
            parent.ranking_count += 1
            parent.save(update_fields=["ranking_count", "ranking_claims"])
            result = Ranking.objects.create(
                parent=parent,
                tree_id=parent.tree_id,
                user=user,
                task=task,
                ranked_message_ids=shown,
                ranking=order,
                not_rankable=not_rankable,
            )
            _close_done(task, now, result={"ranking_id": result.pk})
    if error is not None:
        raise error
    # Only a parent's last required ranking can end the ranking phase (the re-check covers other changes).
    if parent.ranking_count >= required:
        tree_transitions.sync_tree(tree_id=parent.tree_id, now=now)
    record_activity(user=user, now=now)
    return result


def _ranking_indices(ranking: object, shown: list[str]) -> list[int]:
    """The ranking as indices into the shown ids; it must be a permutation of exactly those ids."""
    if not isinstance(ranking, list | tuple):
        raise InvalidRanking()
    given = [str(message_id) for message_id in ranking]
    if len(given) != len(shown) or set(given) != set(shown):
        raise InvalidRanking()
    position = {message_id: i for i, message_id in enumerate(shown)}
    return [position[message_id] for message_id in given]
