import pytest

from accounts.models import User
from accounts.signals import account_deleted
from annotation.models import Draft, TaskType
from tests.factories import UserFactory, make_prompt

pytestmark = pytest.mark.django_db


def test_a_deleted_account_loses_its_drafts_and_only_its_own():
    leaving, staying = UserFactory(), UserFactory()
    prompt = make_prompt(author=UserFactory())
    for user in (leaving, staying):
        Draft.objects.create(user=user, parent_message=prompt, task_type=TaskType.ASSISTANT_REPLY, text="unsent")

    account_deleted.send(sender=User, user=leaving)

    assert not Draft.objects.filter(user=leaving).exists()
    assert Draft.objects.filter(user=staying).count() == 1
