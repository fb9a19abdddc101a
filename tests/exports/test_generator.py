import gzip
import io
import json
from collections import Counter

import pytest
from django.core.management import call_command

from annotation.models import Message, MessageTree, Ranking, Review, TreeState
from annotation.services.tree_checks import recheck_trees
from annotation.services.tree_state import reply_limit
from exports.generator import BASE_DATE, Generator, _depth_first, _Node, generate, write_generated
from exports.jsoncodec import loads
from exports.services.importing import import_file
from tests.exports.conftest import assert_round_trip, canonical, export_objs


def _walk(node, depth=0):
    yield node, depth
    for reply in node.get("replies", ()):
        yield from _walk(reply, depth + 1)


def _trees(count, seed, users=None):
    return [tree for tree, _ in generate(trees=count, seed=seed, users=users)]


def _accepted_replies(node):
    return [r for r in node.get("replies", ()) if r.get("review_result") and not r["deleted"]]


# The states in which a tree may still take replies: now, or once it is accepted, wins the lottery or is resumed.
OPEN_STATES = ("initial_prompt_review", "prompt_lottery_waiting", "growing", "halted_by_moderator")


def test_same_seed_same_data_other_seed_other_data():
    assert _trees(60, seed=3) == _trees(60, seed=3)
    assert _trees(60, seed=3) != _trees(60, seed=4)


def test_shape_follows_the_2023_release():
    trees, reviews = [], 0
    for tree, tree_reviews in generate(trees=4000, seed=11):
        trees.append(tree)
        reviews += len(tree_reviews)
    nodes = [(node, depth, tree) for tree in trees for node, depth in _walk(tree["prompt"])]
    states = Counter(tree["tree_state"] for tree in trees)
    langs = Counter(node["lang"] for node, _, _ in nodes)
    assert 2.25 < len(nodes) / len(trees) < 2.65
    assert 2.6 < reviews / len(nodes) < 3.1
    assert 0.12 < states["ready_for_export"] / len(trees) < 0.19
    assert states["prompt_lottery_waiting"] > states["aborted_low_grade"] > states["growing"] > states["ranking"] > 0
    assert len(langs) >= 25
    assert 0.6 < (langs["en"] + langs["es"]) / len(nodes) < 0.75
    assert all(node["role"] == ("prompter" if depth % 2 == 0 else "assistant") for node, depth, _ in nodes)
    ready_sizes = [sum(1 for _ in _walk(tree["prompt"])) for tree in trees if tree["tree_state"] == "ready_for_export"]
    assert min(ready_sizes) >= 8 and max(ready_sizes) <= 15
    assert all(tree["tree_state"] == "ready_for_export" for node, _, tree in nodes if "rank" in node)
    assert any(node["deleted"] for node, _, _ in nodes)
    assert any(node["synthetic"] and node["model_name"] for node, _, _ in nodes)
    emojis = Counter(code for node, _, _ in nodes for code in node.get("emojis", {}))
    assert emojis["+1"] and emojis["-1"] and emojis["_skip_reply"] and emojis["_skip_ranking"]
    assert 600 < len({node["user_id"] for node, _, _ in nodes}) < 1000


@pytest.mark.django_db
def test_database_load_matches_the_file_and_its_reviews():
    call_command("generate_oasst", trees=150, seed=5, verbosity=0)
    assert_round_trip(_trees(150, seed=5), export_objs())
    messages = Message.objects.all()
    assert Review.objects.count() == sum(message.review_count for message in messages)
    for message in messages.filter(review_count__gt=0)[:40]:
        values = [review.values for review in message.reviews.all()]
        quality = [v["quality"] for v in values]
        assert message.labels["quality"] == {"value": sum(quality) / len(quality), "count": len(quality)}
        assert message.reviews.exclude(reviewer=message.author).count() == len(values)
    assert Ranking.objects.exists()
    assert messages.filter(rank=0).exists()


@pytest.mark.django_db
def test_generated_file_round_trip(tmp_path):
    path = tmp_path / "generated.jsonl.gz"
    call_command("generate_oasst", trees=200, seed=2, output=str(path), verbosity=0)
    report = import_file(path)
    assert report.errors == [] and report.trees == 200
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        source = [json.loads(line) for line in handle]
    exported = export_objs()
    assert_round_trip(source, exported)
    assert canonical(exported) == canonical(export_objs(chunk_size=7))


def test_trees_that_can_still_take_replies_keep_within_the_platform_limits(settings):
    cfg = settings.TREE_MANAGER
    open_nodes, finished_nodes = [], []
    for tree in _trees(3000, seed=7):
        nodes = open_nodes if tree["tree_state"] in OPEN_STATES else finished_nodes
        nodes.extend(_walk(tree["prompt"]))
    for node, depth in open_nodes:
        replies = node.get("replies", ())
        limit = cfg.max_children_count if node["role"] == "prompter" else cfg.num_prompter_replies
        assert len(replies) <= limit
        assert not replies or (depth < cfg.max_tree_depth and node["review_result"] and not node["deleted"])
    assert any(node["role"] == "assistant" and node["replies"] for node, _ in open_nodes)
    # Trees past growing have the release's shapes, grown under wider limits than the platform's defaults.
    assert max(depth for _, depth in finished_nodes) > cfg.max_tree_depth
    assert any(node["role"] == "assistant" and len(node["replies"]) > 1 for node, _ in finished_nodes)


def test_trees_in_ranking_have_replies_to_rank_and_none_failed_scoring():
    trees = _trees(3000, seed=7)
    states = Counter(tree["tree_state"] for tree in trees)
    assert states["ranking"] and states["ready_for_scoring"] and not states["scoring_failed"]
    for tree in trees:
        if tree["tree_state"] in ("ranking", "ready_for_scoring"):
            parents = [node for node, _ in _walk(tree["prompt"]) if node.get("review_result") and not node["deleted"]]
            assert any(len(_accepted_replies(node)) >= 2 for node in parents)


@pytest.mark.django_db
def test_a_generated_collection_is_where_its_messages_put_it(settings):
    call_command("generate_oasst", trees=500, seed=2, verbosity=0)
    states = Counter(MessageTree.objects.values_list("state", flat=True))
    assert states[TreeState.GROWING] and states[TreeState.RANKING] and states[TreeState.READY_FOR_SCORING]
    assert Message.objects.filter(tree__state=TreeState.GROWING, review_result__isnull=True).exists()

    assert recheck_trees() == []
    open_trees = set(OPEN_STATES)
    for message in Message.objects.select_related("tree"):
        tree = message.tree
        # Every tree holds what its own limits allow (follow-ups under assistant replies aside: see below)...
        assert message.depth <= tree.max_depth
        assert message.role != "prompter" or message.children_count <= tree.max_children_count
        # ...and a tree that can still take replies holds no more than the platform would have let in.
        if tree.state in open_trees:
            assert message.children_count <= reply_limit(message, tree)
    # Past growing, an assistant reply may hold more follow-ups than num_prompter_replies, as in the release.
    assert Message.objects.filter(
        role="assistant", children_count__gt=settings.TREE_MANAGER.num_prompter_replies
    ).exists()


def test_files_are_written_as_the_original_platform_writes_them():
    nodes = [node for tree in _trees(400, seed=9) for node, _ in _walk(tree["prompt"])]
    # Leaves carry an empty list of replies; a ranking's not_rankable is left out when false.
    assert all(isinstance(node["replies"], list) for node in nodes)
    assert any(node["replies"] == [] for node in nodes)
    rankings = [event for node in nodes for event in node.get("events", {}).get("ranking", ())]
    assert rankings and all("not_rankable" not in event for event in rankings)


def test_a_tree_thousands_deep_is_serialised_and_written_without_recursion():
    generator = Generator(seed=1, users=20)
    root = node = _Node(id="root", role="prompter", depth=0, created=BASE_DATE, parent=None)
    for depth in range(1, 5000):
        child = _Node(id=f"m{depth}", role="prompter", depth=depth, created=BASE_DATE, parent=node)
        node.children.append(child)
        node = child
    for node in _depth_first(root):
        node.data["message_id"] = node.id
    out = io.StringIO()
    write_generated(out, trees=[({"message_tree_id": "root", "prompt": generator._serialise(root)}, [])])
    prompt = loads(out.getvalue())["prompt"]
    depth = 0
    while prompt["replies"]:
        [prompt] = prompt["replies"]
        depth += 1
    assert (depth, prompt["message_id"], prompt["replies"]) == (4999, "m4999", [])
