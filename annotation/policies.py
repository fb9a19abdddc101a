"""Who may do what in the task engine and the conversation viewer: one function per action.

Pages, API permissions and services ask these; the services raise the matching error when one says no.
A state that forbids an action (a reviewed message, a closed task) is the service's rule, not a policy.
"""

from accounts.models import User
from annotation.models import Message, Task


def can_request_task(actor: User) -> bool:
    """A banned volunteer is handed no task and may not finish one."""
    return bool(actor.is_authenticated and actor.enabled)


def can_act_on_task(actor: User, task: Task) -> bool:
    """A task is its owner's alone: to show, acknowledge, renew, skip, submit or keep a draft of."""
    return actor.is_authenticated and task.user_id == actor.pk


def can_see_deleted_messages(actor: User) -> bool:
    """Hidden messages (and the replies under them) are shown to moderators only."""
    return bool(actor.is_authenticated and actor.is_moderator)


def can_edit_message(actor: User, message: Message) -> bool:
    """Volunteers may edit their own messages (while nobody has reviewed them: the service's rule)."""
    return actor.is_authenticated and message.author_id == actor.pk


def can_vote_on(actor: User, message: Message) -> bool:
    """+1 and -1 on somebody else's message only."""
    return actor.is_authenticated and message.author_id != actor.pk
