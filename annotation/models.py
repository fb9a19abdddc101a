"""Message trees and everything volunteers do with them (SPEC.md sections 2-4 and 7)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TreeState(models.TextChoices):
    INITIAL_PROMPT_REVIEW = "initial_prompt_review", _("Prompt under review")
    PROMPT_LOTTERY_WAITING = "prompt_lottery_waiting", _("Waiting in the prompt lottery")
    GROWING = "growing", _("Growing")
    RANKING = "ranking", _("Ranking")
    READY_FOR_SCORING = "ready_for_scoring", _("Ready for scoring")
    READY_FOR_EXPORT = "ready_for_export", _("Ready for export")
    ABORTED_LOW_GRADE = "aborted_low_grade", _("Aborted (low grade)")
    HALTED_BY_MODERATOR = "halted_by_moderator", _("Halted by a moderator")
    SCORING_FAILED = "scoring_failed", _("Scoring failed")
    BACKLOG_RANKING = "backlog_ranking", _("Backlog (waiting for ranking)")


# States in which a tree still changes and is walked by the periodic re-check.
ACTIVE_TREE_STATES = (
    TreeState.INITIAL_PROMPT_REVIEW,
    TreeState.PROMPT_LOTTERY_WAITING,
    TreeState.GROWING,
    TreeState.RANKING,
    TreeState.READY_FOR_SCORING,
    TreeState.SCORING_FAILED,
)


class Role(models.TextChoices):
    PROMPTER = "prompter", _("Prompter")
    ASSISTANT = "assistant", _("Assistant")


# Value -> lazily translated label.
TREE_STATE_LABELS = dict(TreeState.choices)
ROLE_LABELS = dict(Role.choices)


class MessageTree(models.Model):
    """A conversation tree. Its id is the id of its root message (as in the oasst1 files)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(
        _("state"), max_length=32, choices=TreeState.choices, default=TreeState.INITIAL_PROMPT_REVIEW
    )
    lang = models.CharField(_("language"), max_length=32)
    # Where the tree came from: "web", "api", an import file's origin, ...
    origin = models.CharField(max_length=64, blank=True)
    # The limits the tree was created under (copied from TREE_MANAGER).
    max_depth = models.PositiveSmallIntegerField(default=3)
    max_children_count = models.PositiveSmallIntegerField(default=3)
    goal_tree_size = models.PositiveSmallIntegerField(default=12)
    # Where a halted tree returns to when it is resumed.
    state_before_halt = models.CharField(max_length=32, choices=TreeState.choices, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    # Set when the tree won the prompt lottery (or a backlog slot).
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The trees of a state and language in id order: the hand-out walks them from a random id.
        indexes = [models.Index(fields=["state", "lang", "id"], name="tree_state_lang_id_idx")]

    def __str__(self) -> str:
        return f"{self.id} ({self.state})"

    @property
    def state_label(self) -> str:
        """``get_state_display()`` for pages that show many trees: Django's builds (and translates) the mapping of
        every choice on each call."""
        return TREE_STATE_LABELS.get(self.state, self.state)


class Message(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Single-column indexes on tree and author would duplicate the leading columns of the indexes below.
    tree = models.ForeignKey(MessageTree, on_delete=models.CASCADE, related_name="messages", db_index=False)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        db_index=False,
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    lang = models.CharField(_("language"), max_length=32)
    text = models.TextField(_("text"))
    depth = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("created"), db_index=True)
    review_count = models.PositiveIntegerField(default=0)
    # None = not yet decided.
    review_result = models.BooleanField(null=True, blank=True)
    # 0 = best among its siblings; None until the tree is scored.
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    # Rankings received by this message's children (SPEC 2, step 5).
    ranking_count = models.PositiveIntegerField(default=0)
    # Slot counters read and written under this row's lock by the task hand-out (SPEC 3): live children
    # (not deleted, not rejected) and open claims. The re-check of a tree recomputes them.
    children_count = models.PositiveIntegerField(default=0)
    reply_claims = models.PositiveIntegerField(default=0)
    review_claims = models.PositiveIntegerField(default=0)
    ranking_claims = models.PositiveIntegerField(default=0)
    deleted = models.BooleanField(default=False)
    synthetic = models.BooleanField(default=False)
    model_name = models.CharField(max_length=256, blank=True)
    # {emoji code: count}, including skip counters (_skip_reply, ...) and codes we do not know.
    emojis = models.JSONField(default=dict, blank=True)
    # {label name: {"value": mean, "count": n}}: kept in step with the Review rows, or imported.
    labels = models.JSONField(default=dict, blank=True)
    # Node fields and event kinds of an imported file that we do not model, kept for export.
    extra = models.JSONField(default=dict, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["tree", "parent"], name="message_tree_parent_idx"),
            # Review hand-out: undecided live messages of a language.
            models.Index(
                fields=["lang", "role", "created_at"],
                name="message_needs_review_idx",
                condition=models.Q(review_result__isnull=True, deleted=False),
            ),
            models.Index(fields=["author", "created_at"], name="message_author_created_idx"),
            # Reply and ranking hand-out: the accepted live messages of the few growing / ranking trees.
            models.Index(
                fields=["tree"],
                name="message_accepted_by_tree_idx",
                condition=models.Q(review_result=True, deleted=False),
            ),
            # First places of an author (prompt lottery).
            models.Index(fields=["author", "created_at"], name="message_first_place_idx", condition=models.Q(rank=0)),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.text[:40]}"

    @property
    def role_label(self) -> str:
        """``get_role_display()`` for pages that show many messages (see ``MessageTree.state_label``)."""
        return ROLE_LABELS.get(self.role, self.role)


class MessageRevision(models.Model):
    """An earlier text of an edited message: who replaced it and when."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class TaskType(models.TextChoices):
    INITIAL_PROMPT = "initial_prompt", _("Write an initial prompt")
    PROMPTER_REPLY = "prompter_reply", _("Reply as the user")
    ASSISTANT_REPLY = "assistant_reply", _("Reply as the assistant")
    LABEL_INITIAL_PROMPT = "label_initial_prompt", _("Review an initial prompt")
    LABEL_PROMPTER_REPLY = "label_prompter_reply", _("Review a user reply")
    LABEL_ASSISTANT_REPLY = "label_assistant_reply", _("Review an assistant reply")
    RANK_ASSISTANT_REPLIES = "rank_assistant_replies", _("Rank assistant replies")
    RANK_PROMPTER_REPLIES = "rank_prompter_replies", _("Rank user replies")


REPLY_TASK_TYPES = (TaskType.PROMPTER_REPLY, TaskType.ASSISTANT_REPLY)
REVIEW_TASK_TYPES = (TaskType.LABEL_INITIAL_PROMPT, TaskType.LABEL_PROMPTER_REPLY, TaskType.LABEL_ASSISTANT_REPLY)
RANKING_TASK_TYPES = (TaskType.RANK_ASSISTANT_REPLIES, TaskType.RANK_PROMPTER_REPLIES)


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    EXPIRED = "expired", _("Expired")


class Task(models.Model):
    """A task handed to one user. While open it claims its slot (a reply, review or ranking)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=32, choices=TaskType.choices)
    state = models.CharField(max_length=16, choices=TaskState.choices, default=TaskState.OPEN)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
    lang = models.CharField(max_length=32)
    tree = models.ForeignKey(MessageTree, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    # Reply tasks: the message replied to. Ranking tasks: the parent whose children are ranked.
    parent_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="child_tasks"
    )
    # Review tasks: the message under review.
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE, related_name="review_tasks")
    # What the volunteer is shown: thread ids, shuffled reply ids, label set, hint, ...
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # The lease: the claim is released after this moment unless renewed.
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=500, blank=True)
    # The first result of a submission; a retried submission returns it again.
    result = models.JSONField(null=True, blank=True)
    result_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="created_by_tasks"
    )

    class Meta:
        indexes = [
            models.Index(fields=["user", "state"], name="task_user_state_idx"),
            models.Index(fields=["user", "created_at"], name="task_user_created_idx"),
            models.Index(fields=["expires_at"], name="task_open_expiry_idx", condition=models.Q(state="open")),
            models.Index(fields=["parent_message", "type", "state"], name="task_parent_type_state_idx"),
            models.Index(fields=["message", "state"], name="task_message_state_idx"),
        ]


class Draft(models.Model):
    """Text being typed for a task, saved as the volunteer types so it survives reloads and expiry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="drafts")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts")
    # The item the text was written for, so a draft can be offered again on a new task for it.
    parent_message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.CASCADE)
    task_type = models.CharField(max_length=32, choices=TaskType.choices)
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "task"], name="unique_draft_per_task")]


class Review(models.Model):
    """One reviewer's label values for one message (SPEC 4); every value in [0, 1]."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reviews", db_index=False
    )
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    values = models.JSONField(default=dict)
    # Full label set (True) or the simple one: spam, lang_mismatch, quality (False).
    full = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reviewer"],
                condition=models.Q(reviewer__isnull=False),
                name="unique_review_per_reviewer",
            )
        ]
        indexes = [models.Index(fields=["reviewer", "created_at"], name="review_reviewer_created_idx")]


class Ranking(models.Model):
    """One user's ordering of the children of a parent, kept whole and exportable."""

    parent = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="rankings")
    tree = models.ForeignKey(MessageTree, on_delete=models.CASCADE, related_name="rankings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="rankings", db_index=False
    )
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The ids in the order they were shown, and the ranking as indices into that list, best first.
    ranked_message_ids = models.JSONField(default=list)
    ranking = models.JSONField(default=list)
    not_rankable = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="ranking_user_created_idx")]


class EmojiReaction(models.Model):
    # Indexed by the unique constraint, whose first column it is.
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions")
    emoji = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user", "emoji"], name="unique_emoji_per_user_message")
        ]


class Report(models.Model):
    """A volunteer's report on a message outside a task: labels, a reason, a red flag."""

    class ReportType(models.TextChoices):
        SPAM = "spam", _("Spam")
        OFFENSIVE = "offensive", _("Offensive or harmful")
        PII = "pii", _("Personal information")
        OTHER = "other", _("Other")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reports")
    report_type = models.CharField(max_length=32, default=ReportType.OTHER)
    reason = models.TextField(blank=True)
    labels = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="report_open_idx", condition=models.Q(resolved_at__isnull=True)),
            # The flag queue's open and dismissed states: whether a message has an open report.
            models.Index(
                fields=["message_id"], name="report_open_message_idx", condition=models.Q(resolved_at__isnull=True)
            ),
        ]


class ToxicityScore(models.Model):
    """A classifier's scores for a message: the Detoxify fields the model gives, or its one score."""

    # Indexed by the unique constraint, whose first column it is.
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="toxicity_scores", db_index=False)
    model_name = models.CharField(max_length=256)
    scores = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "model_name"], name="unique_score_per_model")]


class TaskIntroDismissal(models.Model):
    """A volunteer closed the first-task walkthrough shown on the task page; it is not shown to them again."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="task_intro_dismissal"
    )
    dismissed_at = models.DateTimeField(auto_now_add=True)
