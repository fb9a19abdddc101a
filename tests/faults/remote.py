"""Run against a throwaway database (DATABASE_URL) from a process of its own, as the fault tests need it:

``python -m tests.faults.remote seed N`` makes N volunteers and prints their API tokens and a logged-in session key;
``python -m tests.faults.remote check`` prints, as JSON, the prompt texts stored and what breaks the invariants of
the task engine (a task done without its message or the other way round, a tree out of step with its messages).
"""

import json
import os
import sys


def seed(count: int) -> dict:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.models import User
    from accounts.services.tokens import issue_personal_token

    # No password: hashing one with the real settings' hasher costs a second per user.
    volunteers = [
        User.objects.create(username=f"volunteer{n}", email=f"volunteer{n}@example.org", tos_accepted_at=timezone.now())
        for n in range(count)
    ]
    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(volunteers[0].pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: volunteers[0].get_session_auth_hash(),
        }
    )
    session.create()
    return {"tokens": [issue_personal_token(user=user) for user in volunteers], "session": session.session_key}


def check() -> dict:
    from annotation.models import Message, MessageTree, Task, TaskState, TaskType
    from annotation.services.tree_checks import recheck_trees

    problems = []
    done = Task.objects.filter(type=TaskType.INITIAL_PROMPT, state=TaskState.DONE)
    problems += [f"task {pk} is done without its message" for pk in done.filter(result_message=None).values_list("pk")]
    prompts = Message.objects.filter(parent=None)
    orphans = prompts.exclude(created_by_tasks__in=done).values_list("pk", flat=True)
    problems += [f"prompt {pk} has no done task" for pk in orphans]
    empty = MessageTree.objects.exclude(messages__parent=None).values_list("pk", flat=True)
    problems += [f"tree {pk} has no prompt" for pk in empty]
    problems += [f"tree {c.tree_id}: {c.state} -> {c.derived_state}" for c in recheck_trees(fix=False)]
    return {"texts": list(prompts.values_list("text", flat=True)), "problems": problems}


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oasst.settings")
    import django

    django.setup()
    result = seed(int(argv[1])) if argv[0] == "seed" else check()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
