"""The guidelines for volunteers: one page per kind of task, linked from the task pages (SPEC 3)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from annotation.models import RANKING_TASK_TYPES, REVIEW_TASK_TYPES, TaskType


@dataclass(frozen=True)
class Guideline:
    slug: str
    title: Promise
    summary: Promise
    template: str
    # The task types whose page links here.
    task_types: tuple[str, ...]


GUIDELINES: tuple[Guideline, ...] = (
    Guideline(
        "initial-prompt",
        _("Writing a prompt"),
        _("Start a conversation with a question or a request a real person would bring to an assistant."),
        "annotation/guidelines/initial_prompt.html",
        (TaskType.INITIAL_PROMPT,),
    ),
    Guideline(
        "assistant-reply",
        _("Replying as the assistant"),
        _("Write the answer you would like an excellent assistant to give: helpful, honest, harmless and clear."),
        "annotation/guidelines/assistant_reply.html",
        (TaskType.ASSISTANT_REPLY,),
    ),
    Guideline(
        "prompter-reply",
        _("Replying as the user"),
        _("Carry the conversation on as the person who asked: a follow-up, a detail, a correction."),
        "annotation/guidelines/prompter_reply.html",
        (TaskType.PROMPTER_REPLY,),
    ),
    Guideline(
        "review",
        _("Reviewing a message"),
        _("Judge one message in its conversation with the labels: is it genuine, correct, useful and safe?"),
        "annotation/guidelines/review.html",
        REVIEW_TASK_TYPES,
    ),
    Guideline(
        "ranking",
        _("Ranking replies"),
        _("Put replies to the same message in order, best first, and say when none of them is acceptable."),
        "annotation/guidelines/ranking.html",
        RANKING_TASK_TYPES,
    ),
)
GUIDELINES_BY_SLUG = {guideline.slug: guideline for guideline in GUIDELINES}
_BY_TASK_TYPE = {task_type: guideline for guideline in GUIDELINES for task_type in guideline.task_types}


def guideline_for(task_type: str) -> Guideline:
    """The guideline a task of this type follows."""
    return _BY_TASK_TYPE[task_type]
