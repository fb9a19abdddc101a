"""Hostile values in the filters and forms of the datasets, browse, my work and flag queue pages and the export API:
a clear answer, never a 500."""

import pytest

from accounts.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BAD = ["\x00", "a\x00b", "x" * 100000, "\u200b\u202e", "%", "'\"<script>", "é" * 3000]


@pytest.mark.parametrize("value", BAD)
def test_no_500_on_hostile_values(client, value):
    client.force_login(UserFactory(role=Role.ADMIN))
    for url, params in [
        ("/browse/", {"q": value, "lang": value, "state": value, "date_from": value, "page": value}),
        ("/my/work/", {"q": value, "kind": value, "lang": value, "state": value, "page": value}),
        ("/datasets/", {"all": value}),
        ("/datasets/releases/", {"page": value}),
        ("/moderation/queue/", {"language": value, "kind": value, "state": value, "page": value}),
    ]:
        r = client.get(url, params)
        assert r.status_code < 500, (url, r.status_code)
    r = client.post(
        "/datasets/",
        {"kind": value, "langs": value, "user_id": value, "date_from": value, "anonymize_seed": value, "states": value},
    )
    assert r.status_code < 500
    r = client.post("/my/goal/", {"daily_goal": value})
    assert r.status_code < 500
    r = client.post("/theme/", {"theme": value})
    assert r.status_code < 500
    r = client.post(
        "/api/v1/exports/",
        {"kind": "trees", "langs": [value], "anonymize_seed": value, "user_id": value},
        content_type="application/json",
    )
    assert r.status_code < 500, r.content[:300]
    r = client.post(
        "/api/v1/exports/",
        '{"kind": "trees", "langs": ' + "[" * 5000 + "]" * 5000 + "}",
        content_type="application/json",
    )
    assert r.status_code < 500


def test_a_nul_in_my_work_search_is_a_form_error(client):
    client.force_login(UserFactory())
    page = client.get("/my/work/", {"q": "a\x00b", "kind": "reviews"}).content.decode()
    assert 'id="mw-q-error"' in page and "Null characters are not allowed." in page
    assert '<option value="reviews" selected>' in page  # the valid filters still apply
