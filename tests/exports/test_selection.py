"""The messages the dataset card counts (exports.selection) are those the flat message file of the same filter
holds: compared with the export itself on a hand-made set of trees, for each kind of filter."""

import pytest

from annotation.models import TreeState
from exports.filters import ExportFilter
from exports.selection import released_messages
from tests.exports.conftest import export_objs

pytestmark = pytest.mark.django_db


def _ids(messages) -> set[str]:
    return {str(pk) for pk in messages.values_list("pk", flat=True)}


def test_the_default_filter_counts_the_live_messages_of_ready_trees(trees):
    expected = {str(trees[name].pk) for name in ("p1", "a1", "f1", "p2", "a4", "a5")}
    assert _ids(released_messages(ExportFilter())) == expected


FILTERS = {
    "default": ExportFilter(),
    "everything": ExportFilter.everything(),
    "every state": ExportFilter(states=()),
    "only deleted": ExportFilter(deleted="only"),
    "deleted included": ExportFilter(deleted="include"),
    "rejected included": ExportFilter(rejected="include"),
    "only rejected": ExportFilter(rejected="only"),
    "only synthetic": ExportFilter(synthetic="only"),
    "synthetic included": ExportFilter(synthetic="include"),
    "german": ExportFilter(langs=("de",)),
    "prompts only": ExportFilter.everything(prompts_only=True),
    "growing": ExportFilter(states=(TreeState.GROWING,)),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_the_same_messages_as_the_flat_export(trees, name):
    export_filter = FILTERS[name]
    exported = {line["message_id"] for line in export_objs(export_filter, flat=True)}
    assert _ids(released_messages(export_filter)) == exported


def test_the_same_messages_as_the_flat_export_for_one_user(trees):
    export_filter = ExportFilter.everything(user_id=trees["author"].pk)
    exported = {line["message_id"] for line in export_objs(export_filter, flat=True)}
    assert exported == {str(trees["p1"].pk), str(trees["a1"].pk)}
    assert _ids(released_messages(export_filter)) == exported


def test_one_query(trees, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert released_messages(ExportFilter()).count() == 6
