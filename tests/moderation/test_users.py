import pytest
from django.urls import reverse

from accounts.models import User
from annotation.models import Message, MessageTree, Task, TaskState, TaskType, TreeState
from annotation.services.task_handout import request_task
from core.errors import UserDisabled
from moderation.errors import AlreadyBanned, CannotBanUser, NotBanned, NoteBlank, NotModerator
from moderation.models import ModerationAction
from moderation.services.users import add_user_note, ban_user, set_leaderboard_visibility, unban_user
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


def test_a_banned_user_is_logged_out_on_the_next_request_and_gets_no_task(client, moderator):
    user = UserFactory()
    make_prompt()
    client.force_login(user)
    assert client.get(reverse("annotation:task_new")).wsgi_request.user.is_authenticated
    ban_user(moderator=moderator, user=user, reason="spam")
    response = client.get(reverse("annotation:task_new"))
    assert not response.wsgi_request.user.is_authenticated
    assert "_auth_user_id" not in client.session
    with pytest.raises(UserDisabled):
        request_task(user=User.objects.get(pk=user.pk), lang="en", task_type=TaskType.ASSISTANT_REPLY)


def test_a_ban_releases_open_tasks_and_frees_their_slots(moderator):
    user = UserFactory()
    root = make_prompt()
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert Message.objects.get(pk=root.pk).reply_claims == 1
    ban_user(moderator=moderator, user=user, reason="troll")
    assert Task.objects.get(pk=task.pk).state == TaskState.EXPIRED
    assert Message.objects.get(pk=root.pk).reply_claims == 0
    assert not User.objects.get(pk=user.pk).enabled
    action = ModerationAction.objects.get()
    assert (action.kind, action.target_user, action.reason) == ("ban_user", user, "troll")
    assert action.details["released_tasks"] == 1
    assert action.details["enabled"] == {"before": True, "after": False}
    # Another volunteer gets the freed slot.
    assert request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY).parent_message_id == root.pk


def test_a_ban_halts_waiting_prompts_and_an_unban_resumes_them(moderator):
    user = UserFactory()
    in_review = make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False, author=user)
    waiting = make_prompt(state=TreeState.PROMPT_LOTTERY_WAITING, author=user)
    growing = make_prompt(author=user)
    make_reply(growing, accepted=False)
    ban_user(moderator=moderator, user=user, reason="")
    states = dict(MessageTree.objects.values_list("pk", "state"))
    assert states[in_review.tree_id] == states[waiting.tree_id] == TreeState.HALTED_BY_MODERATOR
    assert states[growing.tree_id] == TreeState.GROWING
    unban_user(moderator=moderator, user=user, reason="appeal")
    states = dict(MessageTree.objects.values_list("pk", "state"))
    assert states[in_review.tree_id] == TreeState.INITIAL_PROMPT_REVIEW
    assert states[waiting.tree_id] in (TreeState.PROMPT_LOTTERY_WAITING, TreeState.GROWING)
    assert User.objects.get(pk=user.pk).enabled
    unban = ModerationAction.objects.get(kind="unban_user")
    assert set(unban.details["resumed_tree_ids"]) == {str(in_review.tree_id), str(waiting.tree_id)}


def test_who_may_be_banned(moderator):
    admin = UserFactory(role="admin")
    with pytest.raises(CannotBanUser):
        ban_user(moderator=moderator, user=moderator, reason="")
    with pytest.raises(CannotBanUser):
        ban_user(moderator=moderator, user=admin, reason="")
    with pytest.raises(CannotBanUser):
        ban_user(moderator=moderator, user=UserFactory(is_superuser=True), reason="")
    ban_user(moderator=admin, user=UserFactory(role="admin"), reason="")
    banned = ban_user(moderator=moderator, user=UserFactory(), reason="")
    with pytest.raises(AlreadyBanned):
        ban_user(moderator=moderator, user=banned, reason="")
    with pytest.raises(NotBanned):
        unban_user(moderator=moderator, user=UserFactory(), reason="")
    assert ModerationAction.objects.count() == 2


def test_notes_are_added_and_recorded(moderator):
    user = UserFactory(notes="first")
    add_user_note(moderator=moderator, user=user, note="  second  ")
    assert User.objects.get(pk=user.pk).notes == "first\nsecond"
    action = ModerationAction.objects.get()
    assert action.kind == "note_user" and action.details["notes"] == {"before": "first", "after": "first\nsecond"}
    with pytest.raises(NoteBlank):
        add_user_note(moderator=moderator, user=user, note=" ")


def test_a_ban_rechecks_the_trees_its_released_tasks_held_open(moderator, tree_manager):
    tree_manager(goal_tree_size=3)
    root = make_prompt()
    MessageTree.objects.filter(pk=root.tree_id).update(goal_tree_size=3, max_depth=1)
    make_reply(root)
    user = UserFactory()
    request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    # Meanwhile another reply completes the tree; only the banned user's open reply keeps it growing.
    make_reply(root)
    ban_user(moderator=moderator, user=user, reason="")
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.RANKING
    action = ModerationAction.objects.get()
    assert action.details["tree_states"] == {str(root.tree_id): {"before": "growing", "after": "ranking"}}


# --- Leaderboard visibility -------------------------------------------------------------------


def test_a_moderator_hides_and_shows_a_user_on_the_leaderboard_with_a_record(moderator):
    user = UserFactory()
    returned = set_leaderboard_visibility(moderator=moderator, user=user, visible=False, reason="offensive name")
    assert returned.show_on_leaderboard is False and User.objects.get(pk=user.pk).show_on_leaderboard is False
    action = ModerationAction.objects.get()
    assert (action.kind, action.moderator, action.target_user, action.reason) == (
        "leaderboard_visibility",
        moderator,
        user,
        "offensive name",
    )
    assert action.details == {"show_on_leaderboard": {"before": True, "after": False}}
    assert action.get_kind_display() == "Leaderboard visibility"

    set_leaderboard_visibility(moderator=moderator, user=user, visible=True, reason="renamed")
    assert User.objects.get(pk=user.pk).show_on_leaderboard is True
    shown = ModerationAction.objects.order_by("-pk").first()
    assert shown.details == {"show_on_leaderboard": {"before": False, "after": True}}


def test_only_moderators_set_leaderboard_visibility():
    user = UserFactory()
    with pytest.raises(NotModerator):
        set_leaderboard_visibility(moderator=UserFactory(), user=user, visible=False, reason="")
    assert User.objects.get(pk=user.pk).show_on_leaderboard and not ModerationAction.objects.exists()
