"""`manage.py load_demo`: the hand-written demo trees (fixtures/demo_trees.yaml) as `make run` loads them."""

import io
from collections import Counter, defaultdict

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from accounts.models import Role, TimeFrame, User
from annotation.demo_trees import DemoDataError, build_plan, message_id, read_demo_file
from annotation.management.commands.load_demo import DEMO_ACCOUNTS, DEMO_FILE, DEMO_PASSWORD
from annotation.models import (
    EmojiReaction,
    Message,
    MessageTree,
    Ranking,
    Report,
    Review,
    TreeState,
)
from annotation.services.tree_checks import recheck_trees
from annotation.services.tree_state import rankable_parents, tree_facts

pytestmark = pytest.mark.django_db
LANGUAGES = ("en", "fr", "de", "es")


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def _row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (User, MessageTree, Message, Review, Ranking, EmojiReaction, Report)
    }


def _walk(raw: dict, path: str = "0"):
    yield path, raw
    for i, child in enumerate(raw.get("replies") or []):
        yield from _walk(child, f"{path}.{i}")


def test_the_demo_holds_hand_written_trees_in_four_languages_and_every_state():
    printed = load_demo()

    per_language = Counter(MessageTree.objects.values_list("lang", flat=True))
    assert sum(per_language.values()) >= 40
    assert all(per_language[lang] >= 8 for lang in LANGUAGES), per_language
    # Every state but scoring_failed, an error state the re-check would report and retry.
    assert set(MessageTree.objects.values_list("state", flat=True)) == set(TreeState.values) - {
        TreeState.SCORING_FAILED
    }
    assert "44 demo trees added now" in printed and "do not match" not in printed
    assert recheck_trees() == []
    # The halted trees remember where a moderator's resume takes them.
    assert set(
        MessageTree.objects.filter(state=TreeState.HALTED_BY_MODERATOR).values_list("state_before_halt", flat=True)
    ) == {
        TreeState.INITIAL_PROMPT_REVIEW,
        TreeState.GROWING,
    }

    # Written by the demo volunteers and accounts, never by placeholders.
    authors = set(Message.objects.values_list("author__username", flat=True))
    assert {"maya", "lucia", "jonas", "camille", "alice", "bob", "carmen"} <= authors
    assert not User.objects.filter(is_placeholder=True).exists()


def test_reviews_rankings_and_reactions_agree_with_the_messages():
    load_demo()
    reviews = defaultdict(list)
    for message_id_, values in Review.objects.values_list("message_id", "values"):
        reviews[message_id_].append(values)
    for message in Message.objects.all():
        own = reviews[message.pk]
        assert message.review_count == len(own)
        for name, aggregate in message.labels.items():
            assert aggregate["count"] == len(own)
            assert aggregate["value"] == pytest.approx(sum(values[name] for values in own) / len(own))
        assert not Review.objects.filter(message=message, reviewer=message.author).exists()
        counts = Counter(EmojiReaction.objects.filter(message=message).values_list("emoji", flat=True))
        assert message.emojis == dict(counts)
    assert EmojiReaction.objects.filter(emoji="+1").exists() and EmojiReaction.objects.filter(emoji="-1").exists()
    # A red flag opens a report, which puts the message in the moderation queue.
    assert Report.objects.count() == EmojiReaction.objects.filter(emoji="red_flag").count() > 0
    # Rejected prompts: spam and a prompt in the wrong language.
    assert Message.objects.filter(parent=None, review_result=False).count() == 3

    # Every ranking is dated after the reviews of the replies it ranks, and none is in the future.
    now = timezone.now()
    for ranking in Ranking.objects.all():
        last_review = Review.objects.filter(message__parent=ranking.parent_id).latest("created_at").created_at
        assert last_review < ranking.created_at < now


def test_complete_trees_are_ranked_by_their_rankings_and_worse_replies_rank_lower():
    load_demo()
    data = read_demo_file(DEMO_FILE)
    quality = {
        message_id(tree["key"], path): raw.get("quality", 0.75) for tree in data["trees"] for path, raw in _walk(tree)
    }
    ranked_parents = 0
    for tree in MessageTree.objects.filter(state=TreeState.READY_FOR_EXPORT):
        for parent_id, children in rankable_parents(tree_facts(tree)).items():
            assert Ranking.objects.filter(parent_id=parent_id).count() == 3
            by_rank = sorted(children, key=lambda child: child.rank)
            assert [child.rank for child in by_rank] == list(range(len(children)))
            assert [quality[str(c.pk)] for c in by_rank] == sorted((quality[str(c.pk)] for c in children), reverse=True)
            ranked_parents += 1
    assert ranked_parents >= 16


def test_load_demo_is_idempotent_and_keeps_the_demo_accounts():
    load_demo()
    before = _row_counts()
    printed = load_demo()
    assert _row_counts() == before
    assert "0 demo trees added now" in printed
    for username, role, languages in DEMO_ACCOUNTS:
        user = authenticate(RequestFactory().post("/accounts/login/"), username=username, password=DEMO_PASSWORD)
        assert user is not None and user.role == role and user.languages == languages
        assert f"  {username:<10}" in printed
    assert User.objects.get(username="admin").role == Role.ADMIN
    lucia = authenticate(RequestFactory().post("/accounts/login/"), username="lucia", password=DEMO_PASSWORD)
    assert lucia.display_name == "Lucía Fernández"


def test_the_leaderboard_shows_the_demo_volunteers(client):
    load_demo()
    client.force_login(User.objects.get(username="alice"))
    for frame in (TimeFrame.DAY, TimeFrame.WEEK, TimeFrame.TOTAL):
        page = client.get("/leaderboard/", {"frame": frame}).content.decode()
        assert "Maya Chen" in page and "Lucía Fernández" in page and "Jonas Weber" in page, frame
    # The spammer's rejected prompts earn no points: not on the board.
    assert "PromoMax" not in client.get("/leaderboard/", {"frame": TimeFrame.TOTAL}).content.decode()
    # Recent work every day: streaks.
    assert User.objects.filter(streak_days__gte=2).count() >= 5


def test_load_demo_adds_generated_trees_for_scale_on_request():
    call_command("load_demo", trees=5, stdout=io.StringIO())
    assert MessageTree.objects.exclude(origin="demo").count() == 5
    assert recheck_trees() == []


def _plan(data: dict) -> None:
    users = {"ann": ["en"], "ben": ["en"], "cat": ["en"], "dan": ["en"], "eve": ["fr"]}
    build_plan(
        data,
        languages=users,
        user_ids={name: f"00000000-0000-4000-8000-00000000000{i}" for i, name in enumerate(users)},
        now=timezone.now(),
    )


@pytest.mark.parametrize(
    ("tree", "error"),
    [
        ({"author": "eve"}, "no demo user who writes 'en'"),
        ({"text": " "}, "a text of 1 to 2000 characters"),
        ({"state": "scoring_failed"}, "no tree in state"),
        ({"verdict": "boring"}, "unknown verdict"),
        ({"replies": [{"author": "ben", "text": "A"}] * 4}, "more replies than a tree of this platform takes"),
        ({"reviews": 5}, "not enough reviewers"),
    ],
)
def test_a_demo_file_that_does_not_fit_the_platform_is_refused(tree, error):
    data = {"trees": [{"key": "t", "lang": "en", "state": "growing", "author": "ann", "text": "A question?", **tree}]}
    with pytest.raises(DemoDataError, match=error):
        _plan(data)


def test_the_demo_file_itself_is_valid_without_a_database():
    """The fixture's authors and shapes fit the platform (the check load_demo makes before writing)."""
    data = read_demo_file(DEMO_FILE)
    languages = {v["username"]: v["languages"] for v in data["volunteers"]}
    languages.update({username: langs for username, _role, langs in DEMO_ACCOUNTS})
    plan = build_plan(data, languages=languages, user_ids={name: name for name in languages}, now=timezone.now())
    assert len({tree.id for tree in plan.trees}) == len(plan.trees) == len(data["trees"])
