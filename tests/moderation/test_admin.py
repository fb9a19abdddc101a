import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import User
from annotation.models import Message, MessageRevision, MessageTree, Report, TreeState
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


# --- The change pages -------------------------------------------------------------------------


def _change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def _save(client, obj, **changes):
    """POST the object's change page as it is shown, with ``changes`` typed in."""
    form = client.get(_change_url(obj)).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field.widget, forms.MultiWidget):
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{index}"] = "" if part is None else part
        elif isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = field.prepare_value(value)
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        else:
            data[name] = "on" if value is True else value
    return client.post(_change_url(obj), data, follow=True)


def test_editing_a_text_in_the_admin_is_a_recorded_edit_that_keeps_the_old_text(staff_client):
    reply = make_reply(make_prompt(), text="The first text")
    response = _save(staff_client, reply, text="  The corrected text  ")
    assert response.status_code == 200
    reply.refresh_from_db()
    assert reply.text == "The corrected text" and reply.edited_at is not None
    assert MessageRevision.objects.get(message=reply).text == "The first text"
    action = ModerationAction.objects.get()
    assert (action.kind, action.message_id, action.reason) == ("edit_message", reply.pk, "Through the admin site.")
    assert action.details["text"] == {"before": "The first text", "after": "The corrected text"}

    # Saving the page without touching the text records nothing more.
    _save(staff_client, reply, lang="de")
    assert Message.objects.get(pk=reply.pk).lang == "de" and ModerationAction.objects.count() == 1


def test_a_text_the_rule_refuses_is_a_form_error_in_the_admin(staff_client):
    reply = make_reply(make_prompt(), text="The first text")
    response = _save(staff_client, reply, text="   ")
    assert response.context["adminform"].form.errors["text"]
    assert Message.objects.get(pk=reply.pk).text == "The first text"
    assert not ModerationAction.objects.exists() and not MessageRevision.objects.exists()


def test_notes_are_added_through_the_notes_service_and_never_rewritten_in_the_admin(staff_client):
    volunteer = UserFactory(notes="An old note")
    _save(staff_client, volunteer, new_note="  Spams links  ", notes="Rewritten by hand")
    volunteer.refresh_from_db()
    assert volunteer.notes == "An old note\nSpams links"
    action = ModerationAction.objects.get()
    assert (action.kind, action.target_user_id, action.reason) == ("note_user", volunteer.pk, "Spams links")

    response = _save(staff_client, volunteer, new_note="with a NUL\x00")
    assert response.context["adminform"].form.errors["new_note"] == ["The reason may not contain a NUL character."]
    assert User.objects.get(pk=volunteer.pk).notes == "An old note\nSpams links"
    assert ModerationAction.objects.count() == 1


def test_leaderboard_visibility_set_in_the_admin_is_recorded(staff_client):
    volunteer = UserFactory()
    _save(staff_client, volunteer, show_on_leaderboard=False)
    assert not User.objects.get(pk=volunteer.pk).show_on_leaderboard
    action = ModerationAction.objects.get()
    assert action.kind == "leaderboard_visibility"
    assert action.details == {"show_on_leaderboard": {"before": True, "after": False}}


def test_a_staff_member_who_may_not_moderate_changes_nothing_in_the_admin(client):
    staff = UserFactory(is_staff=True, role="volunteer")
    staff.user_permissions.add(*Permission.objects.filter(codename__in=["change_message", "view_message"]))
    client.force_login(staff)
    reply = make_reply(make_prompt(), text="The first text")
    response = _save(client, reply, text="A new text")
    assert "Only moderators may do this." in response.content.decode()
    assert Message.objects.get(pk=reply.pk).text == "The first text"
    assert not ModerationAction.objects.exists() and not MessageRevision.objects.exists()


def test_report_resolution_is_read_only_in_the_admin():
    assert {"resolved_at", "resolved_by"} <= set(admin.site._registry[Report].readonly_fields)
