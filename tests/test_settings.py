import os
import subprocess
import sys
from pathlib import Path

import pytest

from oasst.tree_manager import TreeManagerSettings

ROOT = Path(__file__).resolve().parent.parent


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


def _database_setting(env: dict[str, str], key: str) -> str:
    code = f"from django.conf import settings; print(settings.DATABASES['default'][{key!r}])"
    clean = {k: v for k, v in os.environ.items() if k not in ("CONN_MAX_AGE", "DJANGO_SETTINGS_MODULE")}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "oasst.settings", "DEBUG": "1", **env}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_database_connections_persist_between_requests_by_default():
    assert _database_setting({}, "CONN_MAX_AGE") == "60"
    assert _database_setting({}, "CONN_HEALTH_CHECKS") == "True"
    assert _database_setting({"CONN_MAX_AGE": "0"}, "CONN_MAX_AGE") == "0"


def _log_format(env: dict[str, str]) -> str:
    code = "from django.conf import settings; print(settings.LOG_FORMAT)"
    clean = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "LOG_FORMAT", "DJANGO_SETTINGS_MODULE")}
    env = {**clean, "DJANGO_SETTINGS_MODULE": "oasst.settings", "SECRET_KEY": "x", **env}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_logs_are_json_in_production_and_readable_in_debug():
    assert _log_format({}) == "json"
    assert _log_format({"DEBUG": "1"}) == "console"
    assert _log_format({"DEBUG": "1", "LOG_FORMAT": "json"}) == "json"
