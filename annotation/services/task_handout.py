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
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
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
    REVIEW_TASK_TYPES,
    Draft,
    Message,
    Role,
    Task,
    TaskState,
    TaskType,
    TreeState,
)
from annotation.policies import can_act_on_task, can_request_task
from annotation.selectors import task_candidates, threads
from annotation.services import drafts
from annotation.services.claims import claim_slot, release_claim
from annotation.signals import task_skipped
from annotation.task_kinds import TaskKind, task_kind
from core import metrics
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
# A held task is given back only with at least this much of its lease left.
HELD_TASK_MIN_LEASE = timedelta(minutes=1)


def check_user(user: User) -> None:
    if not can_request_task(user):
        raise UserDisabled()


def _lease_end(task_type: str, created_at: datetime, now: datetime, *, acknowledged: bool = True) -> datetime:
    """Where a lease taken or renewed at ``now`` ends: short until the task was shown, then its kind's lease;
    never beyond ``task_expiry_hours`` after the hand-out."""
    cfg = settings.TREE_MANAGER
    hard_end = created_at + timedelta(hours=cfg.task_expiry_hours)
    if not acknowledged:
        minutes = cfg.unacknowledged_task_minutes
    elif task_type in REPLY_TASK_TYPES:
        minutes = cfg.reply_task_lease_minutes
    elif task_type in REVIEW_TASK_TYPES or task_type in RANKING_TASK_TYPES:
        minutes = cfg.review_task_lease_minutes
    else:
        return hard_end
    return min(now + timedelta(minutes=minutes), hard_end)


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
    """Hand ``user`` a task in ``lang``: of ``task_type``, or of a type drawn by the SPEC 3 weights.

    Asking again for what one already holds gives that task back instead of claiming another slot (a click on
    a task type, a step back to the dashboard, the same click again). The user's newest open task is given
    back when it is in ``lang``, has at least ``HELD_TASK_MIN_LEASE`` of its lease left, is of ``task_type``
    (of any type for a random request), and is untouched: nothing submitted (it is open) and no non-empty
    draft, whether or not it was shown. A request for an initial prompt also gives back a held one with a
    draft: prompts have no item, so a second prompt task would only leave that text behind. A task given back
    keeps its lease and does not count against the rate or pending limits.
    """
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
        presence = _lock_user(user, lang, held=_held_task(user=user, lang=lang, task_type=task_type, now=now))
        if presence["held_task"] is not None:
            held = Task.objects.filter(pk=presence["held_task"], state=TaskState.OPEN).first()
            if held is not None:
                return held
        _check_limits(user, now)
        while options:
            weight, kind, wanted = options.pop(rng.choices(range(len(options)), weights=[o[0] for o in options])[0])
            if kind == TaskKind.INITIAL_PROMPT:
                return _handed_out(_claim_initial_prompt(user=user, lang=lang, now=now))
            state = _tree_state(kind, wanted)
            if presence[state] is None:
                continue  # the language has no tree in the state this kind of task looks at
            beyond_window = presence[f"{state}_beyond_window"] is not None
            task = CLAIMS[kind](user=user, lang=lang, task_type=wanted, now=now, beyond_window=beyond_window)
            if task is not None:
                return _handed_out(task)
    raise NoTaskAvailable()


def _handed_out(task: Task) -> Task:
    metrics.task_handed_out(kind=task.type, lang=task.lang)
    return task


def _lock_user(user: User, lang: str, *, held: QuerySet[Task]) -> dict[str, uuid.UUID | None]:
    """Lock the user's row (one hand-out per user at a time keeps the pending and rate limits exact); in the
    same query, which tree states the language has trees in (task_candidates.tree_presence) and the id of the task
    ``held`` finds (``held_task``)."""
    return (
        User.objects.select_for_update(no_key=True)
        .filter(pk=user.pk)
        .values(**task_candidates.tree_presence(lang=lang), held_task=Subquery(held))
        .get()
    )


def _held_task(*, user: User, lang: str, task_type: str | None, now: datetime) -> QuerySet[Task]:
    """The id of the open task a request would give back (the rule is in ``request_task``), as a subquery."""
    tasks = Task.objects.filter(
        user=user, lang=lang, state=TaskState.OPEN, expires_at__gt=now + HELD_TASK_MIN_LEASE
    ).order_by("-created_at")
    if task_type is not None:
        tasks = tasks.filter(type=task_type)
    if task_type != TaskType.INITIAL_PROMPT:
        tasks = tasks.exclude(Exists(Draft.objects.filter(task=OuterRef("pk")).exclude(text="")))
    return tasks.values("pk")[:1]


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
        expires_at=_lease_end(task_type, now, now, acknowledged=False),
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
    """The volunteer's client has shown the task: its short first lease becomes its kind's lease."""
    now = timezone.now()
    # The usual case, an open task of this user shown for the first time, in one statement. The type and the
    # hand-out time the lease depends on never change, so the caller's copy of them will do.
    first_time = Q(pk=task.pk, user=user, state=TaskState.OPEN, acknowledged_at__isnull=True)
    lease_end = _lease_end(task.type, task.created_at, now)
    if Task.objects.filter(first_time).update(acknowledged_at=now, expires_at=lease_end):
        task.acknowledged_at, task.expires_at = now, lease_end
        return task
    with transaction.atomic():
        task = lock_task(task=task, user=user)
        if task.state != TaskState.OPEN:
            raise TaskClosed()
        if task.acknowledged_at is None:
            task.acknowledged_at, task.expires_at = now, _lease_end(task.type, task.created_at, now)
            task.save(update_fields=["acknowledged_at", "expires_at"])
    return task


def renew_task(*, task: Task, user: User) -> Task:
    """Extend the lease of a task while its page is open (up to ``task_expiry_hours`` in all); a renewal says
    the task is shown, so it acknowledges it too."""
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
        task.expires_at = new_end
        fields = ["expires_at"]
        if task.acknowledged_at is None:
            task.acknowledged_at = now
            fields.append("acknowledged_at")
        task.save(update_fields=fields)
    return task


def skip_task(*, task: Task, user: User, reason: str = "") -> Task:
    """Close a task unfinished; the reason is kept and the item never comes back to this user, nor does text
    typed for it (see drafts.discard_offered_drafts)."""
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
        if task.type in drafts.DRAFT_TASK_TYPES:
            drafts.discard_offered_drafts(user=user, task=task)
        skipped = {"task_id": task.pk, "task_type": task.type, "tree_id": task.tree_id, "skipped_at": now}
        transaction.on_commit(lambda: task_skipped.send(sender=Task, **skipped))
    return task


def release_task(*, task: Task, user: User) -> Task:
    """Give an open task back without penalty: its slot is freed at once and it is closed as expired, so it
    is no skip (no skip counter, no auto-moderation) and the item may come back to the user; text typed for it
    is offered again like that of any lost claim. A closed task is left as it is."""
    with transaction.atomic():
        task = lock_task(task=task, user=user)
        if task.state == TaskState.OPEN:
            _close_released([task], now=timezone.now())
    return task


def release_open_tasks(*, user: User) -> int:
    """Release (as ``release_task``) every open task of ``user``; returns how many were released."""
    with transaction.atomic():
        tasks = list(Task.objects.filter(user=user, state=TaskState.OPEN).order_by("pk").select_for_update(no_key=True))
        _close_released(tasks, now=timezone.now())
    return len(tasks)


def release_tasks_on_messages(*, message_ids: list[uuid.UUID]) -> int:
    """Release (as ``release_task``) every open task about these messages: replies to them, reviews of them and
    rankings of their children; for messages a moderator hid. Returns how many were released.

    The caller holds the messages' rows, and task rows are locked before message rows everywhere else: a task
    another transaction holds is left to it (its submission, skip or release then finds the message hidden)
    rather than waited for. The moderator's transaction locked the tree's open tasks first; only a task handed
    out since can be held so.
    """
    about = Q(parent_message__in=message_ids) | Q(message__in=message_ids)
    with transaction.atomic():
        rows = Task.objects.filter(about, state=TaskState.OPEN).order_by("pk")
        tasks = list(rows.select_for_update(no_key=True, skip_locked=True))
        _close_released(tasks, now=timezone.now())
    return len(tasks)


def _close_released(tasks: list[Task], *, now: datetime) -> None:
    """Free the slots of locked open tasks and close them as expired."""
    for task in tasks:
        release_claim(task=task)
        task.state, task.closed_at = TaskState.EXPIRED, now
    if tasks:
        Task.objects.filter(pk__in=[t.pk for t in tasks]).update(state=TaskState.EXPIRED, closed_at=now)


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
