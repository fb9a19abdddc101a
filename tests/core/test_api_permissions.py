"""Permissions that ask a policy function: the view's policy, the object's policy, and their refusals."""

import pytest
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from core.api.permissions import PolicyPermission
from core.api.views import ApiView
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def can_read(actor) -> bool:
    return actor.username.startswith("reader")


def can_edit_note(actor, note: dict) -> bool:
    return note["owner"] == actor.username


class CanRead(PolicyPermission):
    policy = can_read
    message = "Readers only."
    code = "not_a_reader"


class CanEditNote(PolicyPermission):
    object_policy = can_edit_note


class NoteView(ApiView):
    permission_classes = [CanRead, CanEditNote]

    def get(self, request: Request, owner: str) -> Response:
        note = {"owner": owner}
        self.check_object_permissions(request, note)
        return Response(note)


def get(user, owner: str):
    request = APIRequestFactory().get(f"/api/v1/notes/{owner}/")
    if user is not None:
        force_authenticate(request, user=user)
    return NoteView.as_view()(request, owner=owner)


def test_the_view_and_the_object_policy_both_decide():
    reader = UserFactory(username="reader-ann")
    assert get(reader, "reader-ann").status_code == 200
    response = get(reader, "somebody-else")
    assert (response.status_code, response.data["error_code"]) == (403, "permission_denied")
    response = get(UserFactory(username="writer-bob"), "writer-bob")
    assert (response.status_code, response.data["error_code"], response.data["message"]) == (
        403,
        "not_a_reader",
        "Readers only.",
    )


def test_without_credentials_the_answer_is_401():
    response = get(None, "reader-ann")
    assert (response.status_code, response.data["error_code"]) == (401, "not_authenticated")
