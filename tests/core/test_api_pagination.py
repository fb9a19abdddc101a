"""The API's default pagination: a cursor over the newest rows first, pages of a bounded size."""

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from accounts.models import User
from core.api.pagination import CursorPage
from core.api.views import ListApiView
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class UserNameSerializer(serializers.Serializer):
    username = serializers.CharField()


class NewestUsers(CursorPage):
    ordering = ("-date_joined", "-pk")


class UserListView(ListApiView):
    serializer_class = UserNameSerializer
    pagination_class = NewestUsers

    def get_queryset(self):
        return User.objects.all()


def get(viewer, url: str = "/api/v1/users/"):
    request = APIRequestFactory().get(url)
    force_authenticate(request, user=viewer)
    return UserListView.as_view()(request)


def test_pages_follow_each_other_without_repeats(settings, django_assert_num_queries):
    viewer = UserFactory()
    for _ in range(4):
        UserFactory()
    with django_assert_num_queries(1):
        first = get(viewer, "/api/v1/users/?page_size=2").data
    assert len(first["results"]) == 2 and first["previous"] is None and first["next"]
    second = get(viewer, first["next"]).data
    third = get(viewer, second["next"]).data
    names = [u["username"] for page in (first, second, third) for u in page["results"]]
    assert sorted(names) == sorted(User.objects.values_list("username", flat=True))
    assert third["next"] is None


def test_page_size_is_bounded():
    viewer = UserFactory()
    assert get(viewer).data["results"]  # the default size
    response = get(viewer, "/api/v1/users/?page_size=100000")
    assert response.status_code == 200 and len(response.data["results"]) == 1


def test_the_default_pagination_is_the_cursor():
    assert ListApiView.pagination_class is CursorPage


@pytest.mark.parametrize(
    ("cursor", "status", "code"),
    [("YQ", 404, "not_found"), ("bz14", 404, "not_found"), ("cD1nYXJiYWdl", 400, "invalid_input")],
)
def test_a_made_up_cursor_is_refused_in_the_contract(cursor, status, code):
    response = get(UserFactory(), f"/api/v1/users/?cursor={cursor}")
    assert (response.status_code, response.data["error_code"]) == (status, code)
