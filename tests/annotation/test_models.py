import pytest

from tests.factories import make_prompt, make_reply


@pytest.mark.django_db
def test_a_tree_is_keyed_by_its_root_prompt():
    root = make_prompt()
    reply = make_reply(root)
    assert root.tree_id == root.id
    assert reply.role == "assistant" and reply.depth == 1 and reply.tree_id == root.id
