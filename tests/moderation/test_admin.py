import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from annotation.models import Message, MessageTree, TreeState
from moderation.models import ModerationAction
from tests.factories import UserFactory, make_prompt, make_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(role="moderator", is_staff=True, is_superuser=True))
    return client


def _act(client, model, action, *objects):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return client.post(url, {"action": action, "_selected_action": [str(o.pk) for o in objects]}, follow=True)


def test_admin_actions_call_the_moderation_services(staff_client):
    root = make_prompt()
    reply = make_reply(root)
    under = make_reply(reply)
    _act(staff_client, Message, "hide_messages", reply)
    assert Message.objects.get(pk=under.pk).deleted
    assert Message.objects.get(pk=root.pk).children_count == 0
    _act(staff_client, Message, "restore_messages", reply)
    assert not Message.objects.get(pk=reply.pk).deleted
    _act(staff_client, MessageTree, "halt_trees", root.tree)
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.HALTED_BY_MODERATOR
    _act(staff_client, MessageTree, "resume_trees", root.tree)
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.GROWING
    volunteer = UserFactory()
    _act(staff_client, User, "ban_users", volunteer)
    assert not User.objects.get(pk=volunteer.pk).enabled
    _act(staff_client, User, "unban_users", volunteer)
    assert User.objects.get(pk=volunteer.pk).enabled
    kinds = list(ModerationAction.objects.order_by("created_at").values_list("kind", flat=True))
    assert kinds == [
        "hide_message",
        "restore_message",
        "halt_tree",
        "resume_tree",
        "ban_user",
        "unban_user",
    ]


def test_refusals_are_shown_and_not_recorded(client):
    staff = UserFactory(is_staff=True, is_superuser=True, role="moderator")
    client.force_login(staff)
    response = _act(client, User, "ban_users", staff)
    assert "You may not ban this user." in response.content.decode()
    assert User.objects.get(pk=staff.pk).enabled and not ModerationAction.objects.exists()


def test_computed_fields_are_read_only_in_the_admin():
    message_admin = admin.site._registry[Message]
    assert {"review_count", "rank", "emojis", "labels", "children_count", "deleted"} <= set(
        message_admin.readonly_fields
    )
    assert "state" in admin.site._registry[MessageTree].readonly_fields
    assert "enabled" in admin.site._registry[User].readonly_fields


def test_the_change_pages_still_render(staff_client):
    from accounts.models import UserStats

    root = make_prompt()
    stats = UserStats.objects.create(user=root.author, time_frame="total")
    for obj in (root, root.tree, root.author, stats):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        assert staff_client.get(url).status_code == 200
