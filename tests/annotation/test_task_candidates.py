import pytest

from annotation.models import TaskType, TreeState
from annotation.selectors import task_candidates
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


def test_task_availability_counts_candidates_per_type():
    root = make_prompt()
    make_reply(root, accepted=False)
    make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    counts = task_candidates.task_availability(user=UserFactory(), lang="en")
    assert counts[TaskType.ASSISTANT_REPLY] == 1
    assert counts[TaskType.LABEL_ASSISTANT_REPLY] == 1
    assert counts[TaskType.LABEL_INITIAL_PROMPT] == 1
    assert counts[TaskType.RANK_ASSISTANT_REPLIES] == 0 and counts[TaskType.INITIAL_PROMPT] == 1
