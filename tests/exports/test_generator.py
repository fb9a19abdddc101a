import gzip
import json
from collections import Counter

import pytest
from django.core.management import call_command

from annotation.models import Message, Ranking, Review
from exports.generator import generate
from exports.services.importing import import_file
from tests.exports.conftest import assert_round_trip, canonical, export_objs


def _walk(node, depth=0):
    yield node, depth
    for reply in node.get("replies", ()):
        yield from _walk(reply, depth + 1)


def _trees(count, seed, users=None):
    return [tree for tree, _ in generate(trees=count, seed=seed, users=users)]


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
