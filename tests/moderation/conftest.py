import random

import pytest

from annotation.services import backlog, prompt_lottery, task_handout
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _seeded_randomness(monkeypatch):
    monkeypatch.setattr(prompt_lottery, "rng", random.Random(7))
    monkeypatch.setattr(backlog, "rng", random.Random(7))
    monkeypatch.setattr(task_handout, "rng", random.Random(11))


@pytest.fixture
def moderator():
    return UserFactory(role="moderator")
