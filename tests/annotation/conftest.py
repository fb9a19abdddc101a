import dataclasses
import random

import pytest

from annotation.services import task_handout, tree_lifecycle


@pytest.fixture
def tree_manager(settings):
    """Change some TREE_MANAGER values for one test: ``tree_manager(max_active_trees=1)``."""

    def configure(**changes):
        settings.TREE_MANAGER = dataclasses.replace(settings.TREE_MANAGER, **changes)
        return settings.TREE_MANAGER

    return configure


@pytest.fixture(autouse=True)
def _seeded_randomness(monkeypatch):
    monkeypatch.setattr(tree_lifecycle, "rng", random.Random(7))
    monkeypatch.setattr(task_handout, "rng", random.Random(11))
