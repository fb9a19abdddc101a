"""Volunteers for engine tests: each helper asks for a task through the hand-out and does it."""

from annotation.errors import NoTaskAvailable
from annotation.labels import REQUIRED_LABEL_NAMES
from annotation.models import Message, Task, TaskType
from annotation.services.submissions import submit_ranking, submit_review, submit_text
from annotation.services.task_handout import request_task
from tests.factories import UserFactory

REVIEW_TYPES = (TaskType.LABEL_INITIAL_PROMPT, TaskType.LABEL_ASSISTANT_REPLY, TaskType.LABEL_PROMPTER_REPLY)


def review_type(message: Message) -> str:
    if message.parent_id is None:
        return TaskType.LABEL_INITIAL_PROMPT
    return TaskType.LABEL_ASSISTANT_REPLY if message.role == "assistant" else TaskType.LABEL_PROMPTER_REPLY


def write_prompt(*, user=None, lang: str = "en", text: str = "What is a good name for a cat?") -> Message:
    user = user or UserFactory()
    task = request_task(user=user, lang=lang, task_type=TaskType.INITIAL_PROMPT)
    return submit_text(task=task, user=user, text=text)


def review(message: Message, *, spam: float = 0.0, lang_mismatch: float = 0.0, user=None) -> Task:
    """One more review of ``message`` (which must be the only candidate of its type)."""
    user = user or UserFactory()
    task = request_task(user=user, lang=message.lang, task_type=review_type(message))
    assert task.message_id == message.pk
    values = {"spam": spam, "lang_mismatch": lang_mismatch, "quality": 0.75}
    submit_review(task=task, user=user, values=answered(task, values))
    return task


def answered(task: Task, values: dict[str, float]) -> dict[str, float]:
    """``values`` with every other required label of the task's review answered with 0."""
    required = [name for name in REQUIRED_LABEL_NAMES if name in task.payload["label_names"]]
    return {**dict.fromkeys(required, 0.0), **values}


def accept(message: Message, reviews: int = 3) -> None:
    for _ in range(reviews):
        review(message)
    message.refresh_from_db()


def do_one_task(*, lang: str = "en", task_types=None, spam: float = 0.0) -> Task | None:
    """A fresh volunteer does the first available task among ``task_types`` (None: any but prompts)."""
    user = UserFactory()
    for task_type in task_types or (*REVIEW_TYPES, TaskType.ASSISTANT_REPLY, TaskType.PROMPTER_REPLY, "rank"):
        types = (
            (TaskType.RANK_ASSISTANT_REPLIES, TaskType.RANK_PROMPTER_REPLIES) if task_type == "rank" else (task_type,)
        )
        for one in types:
            try:
                task = request_task(user=user, lang=lang, task_type=one)
            except NoTaskAvailable:
                continue
            finish(task, user, spam=spam)
            return task
    return None


def finish(task: Task, user, *, spam: float = 0.0) -> None:
    if task.type in REVIEW_TYPES:
        submit_review(task=task, user=user, values=answered(task, {"spam": spam, "quality": 0.5}))
    elif task.type in (TaskType.RANK_ASSISTANT_REPLIES, TaskType.RANK_PROMPTER_REPLIES):
        submit_ranking(task=task, user=user, ranking=sorted(task.payload["replies"]))
    else:
        submit_text(task=task, user=user, text=f"A reply written by {user.username} for {task.pk}")


def work_until(tree, state: str, *, limit: int = 400) -> int:
    """Volunteers do tasks in the tree's language until the tree reaches ``state``; returns how many."""
    for done in range(limit):
        tree.refresh_from_db()
        if tree.state == state:
            return done
        assert do_one_task(lang=tree.lang) is not None, f"stuck in {tree.state}"
    raise AssertionError(f"tree still {tree.state} after {limit} tasks")
