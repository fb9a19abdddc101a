"""Handing out tasks (SPEC 3): pick a type, pick an item, claim its slot atomically, create the Task.

A claim is a counter on the row that guards the slot (``services.claims``). The hand-out locks one candidate row
with ``SELECT ... FOR UPDATE SKIP LOCKED`` whose WHERE clause holds the capacity condition on that row's
own counters; PostgreSQL re-evaluates it on the newest version of a row another transaction just changed,
so two volunteers can never both take the last slot. On SQLite writers are serialised anyway.
"""

import random
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from annotation.errors import (
    InvalidTaskType,
    NoTaskAvailable,
    NotTaskOwner,
    SkipReasonTooLong,
    TaskClosed,
    TaskExpired,
    TooManyPendingTasks,
)
from annotation.labels import label_names
from annotation.models import (
    RANKING_TASK_TYPES,
    REPLY_TASK_TYPES,
    Message,
    Role,
    Task,
    TaskState,
    TaskType,
    TreeState,
)
from annotation.policies import can_act_on_task, can_request_task
from annotation.selectors import task_candidates, threads
from annotation.services.claims import claim_slot, release_claim
from annotation.signals import task_skipped
from annotation.task_kinds import TaskKind, task_kind
from core.errors import NotFound, RateLimited, UserDisabled

# Tests replace it with a seeded generator.
rng = random.Random()

# The weighted groups a random task is drawn from: (TREE_MANAGER weight, kind, task types).
TASK_GROUPS = (
    ("weight_ranking", TaskKind.RANKING, RANKING_TASK_TYPES),
    ("weight_label_reply", TaskKind.REVIEW, (TaskType.LABEL_ASSISTANT_REPLY, TaskType.LABEL_PROMPTER_REPLY)),
    ("weight_label_prompt", TaskKind.REVIEW, (TaskType.LABEL_INITIAL_PROMPT,)),
    ("weight_reply", TaskKind.REPLY, REPLY_TASK_TYPES),
    ("weight_initial_prompt", TaskKind.INITIAL_PROMPT, (TaskType.INITIAL_PROMPT,)),
)
SKIP_EMOJI = {TaskKind.REPLY: "_skip_reply", TaskKind.REVIEW: "_skip_labeling", TaskKind.RANKING: "_skip_ranking"}
MAX_SKIP_REASON_LENGTH = 500


def check_user(user: User) -> None:
    if not can_request_task(user):
        raise UserDisabled()


def _lease_end(task_type: str, created_at: datetime, now: datetime) -> datetime:
    cfg = settings.TREE_MANAGER
    hard_end = created_at + timedelta(hours=cfg.task_expiry_hours)
    if task_type in REPLY_TASK_TYPES:
        return min(now + timedelta(minutes=cfg.reply_task_lease_minutes), hard_end)
    return hard_end


def _check_limits(user: User, now: datetime) -> None:
    cfg = settings.TREE_MANAGER
    since = now - timedelta(minutes=cfg.rate_limit_task_requests_minutes)
    pending = Q(state=TaskState.OPEN, expires_at__gt=now)
    recent = Q(created_at__gte=since)
    # One query, served by the (user, state) and (user, created_at) indexes.
    counts = Task.objects.filter(pending | recent, user=user).aggregate(
        pending=Count("pk", filter=pending), recent=Count("pk", filter=recent)
    )
    if counts["pending"] >= cfg.max_pending_tasks_per_user:
        raise TooManyPendingTasks()
    if counts["recent"] >= cfg.rate_limit_task_requests:
        raise RateLimited(_("Too many task requests; please wait a few minutes."))


def request_task(*, user: User, lang: str, task_type: str | None = None) -> Task:
    """Hand ``user`` a task in ``lang``: of ``task_type``, or of a type drawn by the SPEC 3 weights."""
    check_user(user)
    if task_type in ("", "random"):
        task_type = None
    if task_type is not None and task_type not in TaskType.values:
        raise InvalidTaskType()
    cfg = settings.TREE_MANAGER
    now = timezone.now()
    options = []
    for weight, kind, types in TASK_GROUPS:
        if task_type is None:
            # A random draw asks for either role of a group in one query.
            options.append((getattr(cfg, weight), kind, types[0] if len(types) == 1 else None))
        elif task_type in types:
            options.append((1.0, kind, task_type))
    with transaction.atomic():
        presence = _lock_user(user, lang)
        _check_limits(user, now)
        while options:
            weight, kind, wanted = options.pop(rng.choices(range(len(options)), weights=[o[0] for o in options])[0])
            if kind == TaskKind.INITIAL_PROMPT:
                return _claim_initial_prompt(user=user, lang=lang, now=now)
            state = _tree_state(kind, wanted)
            if presence[state] is None:
                continue  # the language has no tree in the state this kind of task looks at
            beyond_window = presence[f"{state}_beyond_window"] is not None
            task = CLAIMS[kind](user=user, lang=lang, task_type=wanted, now=now, beyond_window=beyond_window)
            if task is not None:
                return task
    raise NoTaskAvailable()


def _lock_user(user: User, lang: str) -> dict[str, uuid.UUID | None]:
    """Lock the user's row (one hand-out per user at a time keeps the pending and rate limits exact); in the
    same query, which tree states the language has trees in (task_candidates.tree_presence)."""
    return (
        User.objects.select_for_update(no_key=True)
        .filter(pk=user.pk)
        .values(**task_candidates.tree_presence(lang=lang))
        .get()
    )


def _tree_state(kind: TaskKind, task_type: str | None) -> str:
    """The state of the trees a reply, review or ranking task (of ``task_type``) is found in."""
    if kind == TaskKind.REVIEW:
        return task_candidates.review_tree_state(task_type)
    return TreeState.RANKING if kind == TaskKind.RANKING else TreeState.GROWING


def _lock_one(rows: QuerySet[Message]) -> Message | None:
    return rows.select_for_update(skip_locked=True, no_key=True, of=("self",)).first()


def _lock_candidate(
    candidates: Callable[[uuid.UUID | None], QuerySet[Message]], *, beyond_window: bool
) -> Message | None:
    """Lock one candidate row: among the trees of a random window first, then among all the trees if the
    window had none and there are more trees than it holds (``beyond_window``).

    ``candidates(around)`` gives the ordered candidate rows of the window starting at ``around`` (None: all).
    """
    if not task_candidates.tree_windows_supported():
        return _lock_one(candidates(None))
    row = _lock_one(candidates(_random_point()))
    if row is None and beyond_window:
        row = _lock_one(candidates(None))
    return row


def _random_point() -> uuid.UUID:
    """Where a windowed candidate search starts (drawn from ``rng``, so seeded tests repeat)."""
    return uuid.UUID(int=rng.getrandbits(128))


def _thread_ids(message: Message) -> list[str]:
    if message.parent_id is None:
        return [str(message.pk)]
    if message.depth == 1:
        # A reply to the prompt: no need to read the tree.
        return [str(message.parent_id), str(message.pk)]
    return [str(m.pk) for m in threads.thread_messages(message=message)]


def _new_task(*, user: User, lang: str, task_type: str, now: datetime, row: Message | None, payload: dict) -> Task:
    fields = {}
    if row is not None:
        slot_field = "message" if task_kind(task_type) == TaskKind.REVIEW else "parent_message"
        fields = {"tree_id": row.tree_id, slot_field: row}
    return Task.objects.create(
        type=task_type,
        user=user,
        lang=lang,
        payload=payload,
        expires_at=_lease_end(task_type, now, now),
        **fields,
    )


def _claim_initial_prompt(*, user: User, lang: str, now: datetime) -> Task:
    payload = {"thread": [], "hint": ""}
    return _new_task(user=user, lang=lang, task_type=TaskType.INITIAL_PROMPT, now=now, row=None, payload=payload)


def _claim_reply(*, user: User, lang: str, task_type: str | None, now: datetime, beyond_window: bool) -> Task | None:
    cfg = settings.TREE_MANAGER
    prefer_lonely = rng.random() < cfg.p_lonely_child_extension

    def candidates(around: uuid.UUID | None) -> QuerySet[Message]:
        rows = task_candidates.reply_parents(user=user, lang=lang, task_type=task_type, around=around)
        if not prefer_lonely:
            return rows.order_by("?")
        # Prefer prompter messages with few replies ("lonely children").
        lonely = When(role=Role.PROMPTER, children_count__lt=cfg.lonely_children_count, then=Value(1))
        return rows.alias(lonely=Case(lonely, default=Value(0), output_field=IntegerField())).order_by("-lonely", "?")

    parent = _lock_candidate(candidates, beyond_window=beyond_window)
    if parent is None:
        return None
    Message.objects.filter(pk=parent.pk).update(reply_claims=F("reply_claims") + 1)
    reply_type = TaskType.ASSISTANT_REPLY if parent.role == Role.PROMPTER else TaskType.PROMPTER_REPLY
    payload = {"thread": _thread_ids(parent)}
    return _new_task(user=user, lang=lang, task_type=reply_type, now=now, row=parent, payload=payload)


def _claim_review(*, user: User, lang: str, task_type: str | None, now: datetime, beyond_window: bool) -> Task | None:
    cfg = settings.TREE_MANAGER

    def candidates(around: uuid.UUID | None) -> QuerySet[Message]:
        return task_candidates.review_messages(user=user, lang=lang, task_type=task_type, around=around).order_by("?")

    message = _lock_candidate(candidates, beyond_window=beyond_window)
    if message is None:
        return None
    Message.objects.filter(pk=message.pk).update(review_claims=F("review_claims") + 1)
    if message.parent_id is None:
        review_type, p_full = TaskType.LABEL_INITIAL_PROMPT, cfg.p_full_labeling_review_prompt
    elif message.role == Role.ASSISTANT:
        review_type, p_full = TaskType.LABEL_ASSISTANT_REPLY, cfg.p_full_labeling_review_reply_assistant
    else:
        review_type, p_full = TaskType.LABEL_PROMPTER_REPLY, cfg.p_full_labeling_review_reply_prompter
    full = rng.random() < p_full
    payload = {
        "thread": _thread_ids(message),
        "full_labels": full,
        "label_names": label_names(role=message.role, full=full),
    }
    return _new_task(user=user, lang=lang, task_type=review_type, now=now, row=message, payload=payload)


def _claim_ranking(*, user: User, lang: str, task_type: str | None, now: datetime, beyond_window: bool) -> Task | None:
    def candidates(around: uuid.UUID | None) -> QuerySet[Message]:
        return task_candidates.ranking_parents(user=user, lang=lang, task_type=task_type, around=around).order_by("?")

    parent = _lock_candidate(candidates, beyond_window=beyond_window)
    if parent is None:
        return None
    Message.objects.filter(pk=parent.pk).update(ranking_claims=F("ranking_claims") + 1)
    replies = [
        str(pk)
        for pk in Message.objects.filter(parent=parent, review_result=True, deleted=False).values_list("pk", flat=True)
    ]
    rng.shuffle(replies)
    ranking_type = TaskType.RANK_ASSISTANT_REPLIES if parent.role == Role.PROMPTER else TaskType.RANK_PROMPTER_REPLIES
    payload = {"thread": _thread_ids(parent), "replies": replies}
    return _new_task(user=user, lang=lang, task_type=ranking_type, now=now, row=parent, payload=payload)


CLAIMS = {
    TaskKind.REPLY: _claim_reply,
    TaskKind.REVIEW: _claim_review,
    TaskKind.RANKING: _claim_ranking,
}


# --- The life of a handed-out task ----------------------------------------------------------------------------


def lock_task(*, task: Task, user: User) -> Task:
    """Lock the task's row for this transaction and bring ``task`` up to date with it (so the caller's
    object shows what a service then does to it); only its owner may act on it."""
    try:
        task.refresh_from_db(from_queryset=Task.objects.select_for_update(no_key=True))
    except Task.DoesNotExist:
        raise NotFound(_("No such task.")) from None
    if not can_act_on_task(user, task):
        raise NotTaskOwner()
    return task


def acknowledge_task(*, task: Task, user: User) -> Task:
    """The volunteer's client has shown the task."""
    now = timezone.now()
    # The usual case, an open task of this user shown for the first time, in one statement.
    first_time = Q(pk=task.pk, user=user, state=TaskState.OPEN, acknowledged_at__isnull=True)
    if Task.objects.filter(first_time).update(acknowledged_at=now):
        task.acknowledged_at = now
        return task
    with transaction.atomic():
        task = lock_task(task=task, user=user)
        if task.state != TaskState.OPEN:
            raise TaskClosed()
        if task.acknowledged_at is None:
            task.acknowledged_at = now
            task.save(update_fields=["acknowledged_at"])
    return task


def renew_task(*, task: Task, user: User) -> Task:
    """Extend the lease of a reply task while its page is open (up to ``task_expiry_hours`` in all)."""
    now = timezone.now()
    with transaction.atomic():
        task = lock_task(task=task, user=user)
        if task.state == TaskState.EXPIRED:
            raise TaskExpired()
        if task.state != TaskState.OPEN:
            raise TaskClosed()
        # Until the expiry job has run, an overdue task still holds its slot and may be renewed.
        new_end = _lease_end(task.type, task.created_at, now)
        if new_end <= now:
            raise TaskExpired()
        if task.type in REPLY_TASK_TYPES:
            task.expires_at = new_end
            task.save(update_fields=["expires_at"])
    return task


def skip_task(*, task: Task, user: User, reason: str = "") -> Task:
    """Close a task unfinished; the reason is kept and the item never comes back to this user."""
    now = timezone.now()
    reason = (reason or "").strip()
    if len(reason) > MAX_SKIP_REASON_LENGTH:
        raise SkipReasonTooLong(
            _("The reason is %(length)d characters long; at most %(limit)d are allowed.")
            % {"length": len(reason), "limit": MAX_SKIP_REASON_LENGTH}
        )
    with transaction.atomic():
        task = lock_task(task=task, user=user)
        if task.state == TaskState.SKIPPED:
            return task
        if task.state == TaskState.DONE:
            raise TaskClosed()
        row_id, counter = claim_slot(task)
        if row_id is not None:
            row = Message.objects.select_for_update(no_key=True).get(pk=row_id)
            release_claim(task=task, row=row)
            code = SKIP_EMOJI[task_kind(task.type)]
            row.emojis[code] = row.emojis.get(code, 0) + 1
            row.save(update_fields=[counter, "emojis"])
        task.state = TaskState.SKIPPED
        task.skip_reason = reason
        task.closed_at = now
        task.save(update_fields=["state", "skip_reason", "closed_at"])
        skipped = {"task_id": task.pk, "task_type": task.type, "tree_id": task.tree_id, "skipped_at": now}
        transaction.on_commit(lambda: task_skipped.send(sender=Task, **skipped))
    return task


def expire_stale_tasks(*, now: datetime | None = None) -> int:
    """Close open tasks past their lease and free their slots; returns how many expired."""
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                Task.objects.filter(state=TaskState.OPEN, expires_at__lte=now)
                .order_by("expires_at")
                .select_for_update(skip_locked=True, no_key=True)[:500]
            )
            for task in batch:
                release_claim(task=task)
            Task.objects.filter(pk__in=[t.pk for t in batch]).update(state=TaskState.EXPIRED, closed_at=now)
        expired += len(batch)
        if len(batch) < 500:
            return expired
