import random

import pytest

from annotation.models import Message, MessageTree, TreeState
from annotation.services import prompt_lottery, tree_transitions
from tests.annotation.workers import accept, write_prompt
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


def test_the_lottery_keeps_at_most_max_active_trees_growing_per_language(tree_manager):
    tree_manager(max_active_trees=2)
    prompts = []
    for text in ["English prompt 1", "English prompt 2", "English prompt 3", "English prompt 4"]:
        prompts.append(write_prompt(text=text))
        accept(prompts[-1])
    german = write_prompt(lang="de", text="Ein deutscher Prompt")
    accept(german)
    states = {p.pk: MessageTree.objects.get(pk=p.tree_id).state for p in prompts}
    assert sorted(states.values()) == [TreeState.GROWING] * 2 + [TreeState.PROMPT_LOTTERY_WAITING] * 2
    assert MessageTree.objects.get(pk=german.tree_id).state == TreeState.GROWING

    # A growing tree stops (halted): a waiting one takes its slot.
    growing = MessageTree.objects.filter(state=TreeState.GROWING, lang="en").first()
    tree_transitions.halt_tree(tree=growing)
    assert MessageTree.objects.filter(state=TreeState.GROWING, lang="en").count() == 2
    assert MessageTree.objects.filter(state=TreeState.PROMPT_LOTTERY_WAITING, lang="en").count() == 1


def test_the_lottery_favours_authors_with_first_places(tree_manager, monkeypatch):

    tree_manager(max_active_trees=1)
    star, newcomer = UserFactory(), UserFactory()
    for _ in range(9):  # nine first places this month: weight 10 against 1
        winner = make_reply(make_prompt(state=TreeState.READY_FOR_EXPORT), author=star)
        Message.objects.filter(pk=winner.pk).update(rank=0)
    wins = {star.pk: 0, newcomer.pk: 0}
    for seed in range(40):
        monkeypatch.setattr(prompt_lottery, "rng", random.Random(seed))
        MessageTree.objects.filter(state=TreeState.GROWING).delete()
        MessageTree.objects.filter(state=TreeState.PROMPT_LOTTERY_WAITING).delete()
        make_prompt(state=TreeState.PROMPT_LOTTERY_WAITING, author=star)
        make_prompt(state=TreeState.PROMPT_LOTTERY_WAITING, author=newcomer)
        (won,) = prompt_lottery.run_lottery(lang="en")
        wins[Message.objects.get(pk=won.pk).author_id] += 1
    assert wins[star.pk] > 30 and wins[newcomer.pk] >= 1
