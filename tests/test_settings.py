import pytest

from oasst.tree_manager import TreeManagerSettings


def test_tree_manager_defaults_follow_the_spec():
    tm = TreeManagerSettings()
    assert (tm.max_active_trees, tm.max_tree_depth, tm.max_children_count, tm.goal_tree_size) == (10, 3, 3, 12)
    assert tm.acceptance_threshold_initial_prompt == 0.6


def test_tree_manager_keys_are_overridable_by_environment():
    tm = TreeManagerSettings.from_env({"TM_MAX_TREE_DEPTH": "5", "TM_GOAL_TREE_SIZE": "15", "OTHER": "x"})
    assert tm.max_tree_depth == 5 and tm.goal_tree_size == 15


def test_tree_manager_rejects_malformed_values():
    with pytest.raises(ValueError, match="TM_MAX_TREE_DEPTH"):
        TreeManagerSettings.from_env({"TM_MAX_TREE_DEPTH": "deep"})
