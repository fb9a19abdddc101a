from annotation.models import TaskType
from annotation.task_kinds import TaskKind, task_kind


def test_every_task_type_has_one_kind():
    assert {task_type: task_kind(task_type) for task_type in TaskType} == {
        TaskType.INITIAL_PROMPT: TaskKind.INITIAL_PROMPT,
        TaskType.PROMPTER_REPLY: TaskKind.REPLY,
        TaskType.ASSISTANT_REPLY: TaskKind.REPLY,
        TaskType.LABEL_INITIAL_PROMPT: TaskKind.REVIEW,
        TaskType.LABEL_PROMPTER_REPLY: TaskKind.REVIEW,
        TaskType.LABEL_ASSISTANT_REPLY: TaskKind.REVIEW,
        TaskType.RANK_ASSISTANT_REPLIES: TaskKind.RANKING,
        TaskType.RANK_PROMPTER_REPLIES: TaskKind.RANKING,
    }


def test_prompts_and_replies_are_written():
    assert [kind for kind in TaskKind if kind.writes_text] == [TaskKind.INITIAL_PROMPT, TaskKind.REPLY]
