"""Who may export, see and download which jobs."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Role
from exports import policies
from exports.models import ExportJob, Release, ReleaseState
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "anonymous": AnonymousUser(),
        "volunteer": UserFactory(),
        "researcher": UserFactory(role=Role.RESEARCHER),
        "banned researcher": UserFactory(role=Role.RESEARCHER, enabled=False),
        "moderator": UserFactory(role=Role.MODERATOR),
        "admin": UserFactory(role=Role.ADMIN),
        "superuser": UserFactory(is_superuser=True),
    }


def _who(people, policy, *args):
    return {name for name, actor in people.items() if policy(actor, *args)}


def test_who_may_export_and_with_which_ids(people):
    assert _who(people, policies.can_export) == {"researcher", "moderator", "admin", "superuser"}
    assert _who(people, policies.can_export_unanonymized) == {"moderator", "admin", "superuser"}
    assert _who(people, policies.can_see_all_export_jobs) == {"moderator", "admin", "superuser"}
    assert _who(people, policies.can_request_release) == {"admin", "superuser"}


def test_who_may_see_and_download_a_job(people):
    own = ExportJob.objects.create(kind="trees", requested_by=people["researcher"])
    others = ExportJob.objects.create(kind="trees", requested_by=UserFactory(role=Role.RESEARCHER))
    released = ExportJob.objects.create(kind="trees", release=Release.objects.create(state=ReleaseState.READY))
    building = ExportJob.objects.create(kind="trees", release=Release.objects.create(state=ReleaseState.BUILDING))
    staff = {"moderator", "admin", "superuser"}
    for policy in (policies.can_see_export_job, policies.can_download_export):
        assert _who(people, policy, own) == {"researcher", *staff}
        assert _who(people, policy, others) == staff
        # A finished release is public data: every logged-in user who is not banned.
        assert _who(people, policy, released) == {"volunteer", "researcher", *staff}
        assert _who(people, policy, building) == staff
