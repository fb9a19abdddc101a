"""The tree manager's tunables (SPEC.md): one typed object, each key overridable by environment.

Every field can be set with an environment variable named ``TM_<FIELD>`` in upper case, e.g.
``TM_MAX_ACTIVE_TREES=20``. Tests replace the whole object with ``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


@dataclasses.dataclass(frozen=True)
class TreeManagerSettings:
    # Reviews and acceptance (SPEC 2)
    num_reviews_initial_prompt: int = 3
    num_reviews_reply: int = 3
    acceptance_threshold_initial_prompt: float = 0.6
    acceptance_threshold_reply: float = 0.6
    # Tree shape (SPEC 2)
    max_active_trees: int = 10
    max_tree_depth: int = 3
    max_children_count: int = 3
    num_prompter_replies: int = 1
    goal_tree_size: int = 12
    num_required_rankings: int = 3
    p_activate_backlog_tree: float = 0.1
    # Task hand-out (SPEC 3)
    weight_ranking: float = 10.0
    weight_label_reply: float = 5.0
    weight_label_prompt: float = 5.0
    weight_reply: float = 2.0
    weight_initial_prompt: float = 0.01
    p_lonely_child_extension: float = 0.75
    lonely_children_count: int = 2
    p_full_labeling_review_prompt: float = 1.0
    p_full_labeling_review_reply_assistant: float = 1.0
    p_full_labeling_review_reply_prompter: float = 0.1
    # Leases: a task not yet shown (acknowledged) holds its slot briefly; once shown, a reply task for
    # reply_task_lease_minutes and a review or ranking task for review_task_lease_minutes, both renewed while
    # the page is open; an initial prompt (no slot) until task_expiry_hours, the hard end of every task.
    unacknowledged_task_minutes: int = 15
    reply_task_lease_minutes: int = 30
    review_task_lease_minutes: int = 60
    task_expiry_hours: int = 48
    max_pending_tasks_per_user: int = 8
    # Submission checks and rate limits (SPEC 3)
    max_text_length: int = 2000
    duplicate_text_window_hours: int = 2
    rate_limit_task_requests: int = 30
    rate_limit_task_requests_minutes: int = 4
    rate_limit_assistant_replies: int = 4
    rate_limit_assistant_replies_minutes: int = 2
    rate_limit_prompter_replies: int = 8
    rate_limit_prompter_replies_minutes: int = 2
    # Auto-moderation (SPEC 5)
    auto_mod_max_skip_reply: int = 25
    # Red flags (from distinct users, raised since the last dismissal) that abort a prompt's tree or hide a reply.
    auto_mod_red_flags: int = 4

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> TreeManagerSettings:
        """Build the settings from ``TM_*`` variables; unknown or malformed values raise ValueError."""
        overrides: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            raw = environ.get(f"TM_{field.name.upper()}")
            if raw is None:
                continue
            caster = {"int": int, "float": float}[str(field.type)]
            try:
                overrides[field.name] = caster(raw)
            except ValueError as exc:
                raise ValueError(f"TM_{field.name.upper()}={raw!r} is not a valid {field.type}") from exc
        return cls(**overrides)
