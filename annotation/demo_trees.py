"""The hand-written demo conversations (fixtures/demo_trees.yaml) turned into what `make run` loads.

The YAML file holds what a person writes: volunteers, and trees of messages with their authors, texts and
a few hints (how good a reply is, whether reviewers rejected it, the reactions it got). ``build_plan`` turns
it into oasst1 tree lines (SPEC 8) for the import, with every field the platform would have written: ids,
dates, review counts and results, mean labels and the rankings of complete trees. What an oasst1 file does
not carry (each reviewer's labels, the dates of rankings, reactions, halts, scoring) is planned alongside and
written by ``annotation.services.demo``.

Everything is deterministic: ids are UUID5s of the tree's key and the message's place in it, and the small
variations between reviewers come from generators seeded by those ids. Dates are relative to ``now``, so the
leaderboard of the last day and week shows the demo volunteers whenever the demo is loaded.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from annotation.labels import label_names
from annotation.models import Role, TreeState
from annotation.services.submissions import _add_to_labels
from annotation.services.tree_transitions import acceptance

DEMO_NAMESPACE = uuid.UUID("6f1c7a52-2d0e-4c4e-9d55-0a3c1f6e8b27")
DEMO_ORIGIN = "demo"
# Trees the demo holds in these states are loaded in another and moved there by a service (see build_plan).
LOADED_AS = {TreeState.READY_FOR_EXPORT: TreeState.READY_FOR_SCORING}
# scoring_failed is an error state the re-check retries: check_trees would report it, so the demo has none.
DEMO_STATES = frozenset(TreeState.values) - {TreeState.SCORING_FAILED}
# Rankings of each rankable parent by default, per state; other states have none.
DEFAULT_RANKINGS = {TreeState.RANKING: 1, TreeState.READY_FOR_SCORING: 3, TreeState.READY_FOR_EXPORT: 3}
VERDICTS = {"spam": "spam", "wrong_language": "lang_mismatch"}
FLAG_LABELS = ("pii", "not_appropriate", "hate_speech", "sexual_content", "moral_judgement", "political_content")
# No demo event is dated later than this before ``now``.
LATEST = timedelta(minutes=5)


class DemoDataError(ValueError):
    """The demo file does not describe trees this platform could hold."""


@dataclass(frozen=True)
class Volunteer:
    username: str
    display_name: str
    languages: list[str]
    # False for an account that only writes (the demo's spammer): it reviews and ranks nothing.
    reviews_others: bool = True


@dataclass(frozen=True)
class PlannedReview:
    message_id: str
    username: str
    values: dict[str, float]
    full: bool
    created_at: datetime


@dataclass(frozen=True)
class PlannedReaction:
    message_id: str
    username: str
    emoji: str


@dataclass
class DemoTree:
    """One tree of the plan: its oasst1 line and what the services do to it after the import."""

    key: str
    id: str
    lang: str
    state: str  # the state the demo shows
    line: dict
    reviews: list[PlannedReview] = field(default_factory=list)
    # (parent message id, username) -> when the ranking was made.
    ranking_times: dict[tuple[str, str], datetime] = field(default_factory=dict)
    reactions: list[PlannedReaction] = field(default_factory=list)
    # (username, moment) of every message, review and ranking: the volunteers' streaks.
    activity: list[tuple[str, datetime]] = field(default_factory=list)

    @property
    def loaded_state(self) -> str:
        return self.line["tree_state"]


@dataclass
class DemoPlan:
    volunteers: list[Volunteer]
    trees: list[DemoTree]


@dataclass
class _Node:
    """A message of the YAML file while the plan is made."""

    path: str
    id: str
    role: str
    author: str
    text: str
    quality: float
    reviews: int
    verdict: str | None
    fails_task: bool
    humor: float
    creativity: float
    flags: list[str]
    emojis: dict[str, int]
    children: list[_Node]
    created_at: datetime = None  # type: ignore[assignment]
    labels: dict = field(default_factory=dict)
    review_result: bool | None = None


def read_demo_file(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        # libyaml's loader when PyYAML was built with it: ten times quicker than the pure Python one.
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def volunteers_of(data: Mapping[str, Any]) -> list[Volunteer]:
    return [
        Volunteer(
            username=v["username"],
            display_name=v["display_name"],
            languages=list(v["languages"]),
            reviews_others=bool(v.get("reviews_others", True)),
        )
        for v in data.get("volunteers", [])
    ]


def message_id(tree_key: str, path: str) -> str:
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{tree_key}/{path}"))


def tree_ids(data: Mapping[str, Any]) -> list[str]:
    """The ids the demo's trees get (their prompts' ids), without building the plan."""
    return [message_id(tree["key"], "0") for tree in data.get("trees", [])]


def build_plan(
    data: Mapping[str, Any], *, languages: Mapping[str, list[str]], user_ids: Mapping[str, Any], now: datetime
) -> DemoPlan:
    """The whole demo: ``languages`` and ``user_ids`` by username for every author, reviewer and ranker
    (the volunteers of the file and the platform's demo accounts)."""
    volunteers = volunteers_of(data)
    # The admin account does no volunteer work; nor do those who only write.
    excluded = {"admin"} | {v.username for v in volunteers if not v.reviews_others}
    trees, keys = [], set()
    for raw in data.get("trees", []):
        key = raw.get("key")
        if not key or key in keys:
            raise DemoDataError(f"every tree needs a key of its own: {key!r}")
        keys.add(key)
        builder = _TreeBuilder(raw, languages=languages, user_ids=user_ids, excluded=excluded, now=now)
        trees.append(builder.build())
    return DemoPlan(volunteers=volunteers, trees=trees)


class _TreeBuilder:
    def __init__(
        self,
        raw: Mapping[str, Any],
        *,
        languages: Mapping[str, list[str]],
        user_ids: Mapping[str, Any],
        excluded: set[str],
        now: datetime,
    ) -> None:
        self.raw = raw
        self.key = raw["key"]
        self.lang = raw["lang"]
        self.state = raw["state"]
        self.now = now
        self.user_ids = user_ids
        self.languages = languages
        self.cfg = settings.TREE_MANAGER
        if self.state not in DEMO_STATES:
            raise DemoDataError(f"{self.key}: the demo holds no tree in state {self.state!r}")
        # Who reviews, ranks and reacts: everyone who writes the tree's language, in a fixed order.
        self.pool = sorted(name for name, langs in languages.items() if self.lang in langs and name not in excluded)
        self.rng = random.Random(self.key)
        # How far the tree was moved back so that nothing in it is later than ``now - LATEST``.
        self.late = timedelta(0)
        self.tree = DemoTree(key=self.key, id=message_id(self.key, "0"), lang=self.lang, state=self.state, line={})

    def build(self) -> DemoTree:
        root = self._node(self.raw, path="0", role=Role.PROMPTER, depth=0)
        start = self.now - timedelta(days=float(self.raw.get("days_ago", 1)))
        self._date(root, start)
        for node in self._walk(root):
            self._review(node)
        if self.state == TreeState.HALTED_BY_MODERATOR:
            loaded = self.raw.get("halted_from", TreeState.GROWING)
            if loaded not in (TreeState.INITIAL_PROMPT_REVIEW, TreeState.GROWING):
                raise DemoDataError(f"{self.key}: halted_from must be initial_prompt_review or growing")
        else:
            loaded = LOADED_AS.get(self.state, self.state)
        rankings = self._rankings(root, int(self.raw.get("rankings", DEFAULT_RANKINGS.get(self.state, 0))))
        self._reactions(root)
        self._shift_into_past()
        self.tree.line = {
            "message_tree_id": self.tree.id,
            "tree_state": loaded,
            "origin": DEMO_ORIGIN,
            "prompt": self._oasst_node(root, rankings),
        }
        return self.tree

    # --- Reading the YAML ---------------------------------------------------------------------------

    def _node(self, raw: Mapping[str, Any], *, path: str, role: str, depth: int) -> _Node:
        where = f"{self.key} message {path}"
        author = raw.get("author")
        if self.lang not in self.languages.get(author, ()):
            raise DemoDataError(f"{where}: {author!r} is no demo user who writes {self.lang!r}")
        text = (raw.get("text") or "").strip()
        if not text or len(text) > self.cfg.max_text_length:
            raise DemoDataError(f"{where}: a text of 1 to {self.cfg.max_text_length} characters is needed")
        verdict = raw.get("verdict")
        if verdict is not None and verdict not in VERDICTS:
            raise DemoDataError(f"{where}: unknown verdict {verdict!r}")
        reviews = int(
            raw.get("reviews", self.cfg.num_reviews_initial_prompt if depth == 0 else self.cfg.num_reviews_reply)
        )
        raw_children = raw.get("replies") or []
        limit = self.cfg.max_children_count if role == Role.PROMPTER else self.cfg.num_prompter_replies
        if len(raw_children) > limit or (raw_children and depth >= self.cfg.max_tree_depth):
            raise DemoDataError(f"{where}: more replies than a tree of this platform takes")
        child_role = Role.ASSISTANT if role == Role.PROMPTER else Role.PROMPTER
        node = _Node(
            path=path,
            id=message_id(self.key, path),
            role=role,
            author=author,
            text=text,
            quality=float(raw.get("quality", 0.75)),
            reviews=reviews,
            verdict=verdict,
            fails_task=bool(raw.get("fails_task", False)),
            humor=float(raw.get("humor", 0)),
            creativity=float(raw.get("creativity", 0.25)),
            flags=list(raw.get("flags", [])),
            emojis=dict(raw.get("emojis") or {}),
            children=[],
        )
        node.children = [
            self._node(child, path=f"{path}.{i}", role=child_role, depth=depth + 1)
            for i, child in enumerate(raw_children)
        ]
        return node

    def _walk(self, node: _Node) -> Iterator[_Node]:
        yield node
        for child in node.children:
            yield from self._walk(child)

    # --- Dates ---------------------------------------------------------------------------------------

    def _date(self, node: _Node, moment: datetime) -> None:
        node.created_at = moment
        self.tree.activity.append((node.author, moment))
        for i, child in enumerate(node.children):
            # Replies come in over the hours after their parent, one after the other.
            gap = self.rng.uniform(0.5, 5) + i * self.rng.uniform(0.3, 3)
            self._date(child, moment + timedelta(hours=gap))

    def _shift_into_past(self) -> None:
        """Move the whole tree back in time if its last event would be later than ``now - LATEST``."""
        moments = [moment for _user, moment in self.tree.activity]
        late = max(moments) - (self.now - LATEST)
        if late <= timedelta(0):
            return
        self.tree.activity = [(user, moment - late) for user, moment in self.tree.activity]
        self.tree.reviews = [
            PlannedReview(r.message_id, r.username, r.values, r.full, r.created_at - late) for r in self.tree.reviews
        ]
        self.tree.ranking_times = {key: moment - late for key, moment in self.tree.ranking_times.items()}
        self.late = late

    def _created(self, node: _Node) -> datetime:
        return node.created_at - self.late

    # --- Reviews ---------------------------------------------------------------------------------------

    def _others(self, *excluded: str, rng: random.Random) -> list[str]:
        others = [name for name in self.pool if name not in excluded]
        rng.shuffle(others)
        return others

    def _review(self, node: _Node) -> None:
        rng = random.Random(node.id)
        reviewers = self._others(node.author, rng=rng)[: node.reviews]
        if len(reviewers) < node.reviews:
            raise DemoDataError(f"{self.key} message {node.path}: not enough reviewers who write {self.lang!r}")
        # Prompts and assistant replies get the full label set, user replies the simple one (SPEC 3).
        full = node.role == Role.ASSISTANT or node.path == "0"
        names = label_names(role=node.role, full=full)
        moment = node.created_at
        for reviewer in reviewers:
            moment += timedelta(hours=rng.uniform(0.2, 6))
            values = {name: self._value(name, node, rng) for name in names}
            node.labels = _add_to_labels(node.labels, values)
            self.tree.reviews.append(PlannedReview(node.id, reviewer, values, full, moment))
            self.tree.activity.append((reviewer, moment))
        required = self.cfg.num_reviews_initial_prompt if node.path == "0" else self.cfg.num_reviews_reply
        if node.reviews >= required:
            threshold = (
                self.cfg.acceptance_threshold_initial_prompt
                if node.path == "0"
                else self.cfg.acceptance_threshold_reply
            )
            node.review_result = acceptance(node.labels) > threshold

    @staticmethod
    def _value(name: str, node: _Node, rng: random.Random) -> float:
        if name in ("spam", "lang_mismatch"):
            return 1.0 if node.verdict is not None and VERDICTS[node.verdict] == name else 0.0
        if name == "fails_task":
            return 1.0 if node.fails_task else 0.0
        if name in FLAG_LABELS:
            return 1.0 if name in node.flags else 0.0
        if name in ("quality", "helpfulness"):
            return _quarter(node.quality + rng.choice((-0.25, 0, 0, 0.25)))
        if name == "humor":
            return _quarter(node.humor + rng.choice((0, 0, 0.25)))
        if name == "creativity":
            return _quarter(node.creativity + rng.choice((-0.25, 0, 0.25)))
        return 0.0  # toxicity, violence

    # --- Rankings ----------------------------------------------------------------------------------------

    def _rankings(self, root: _Node, count: int) -> dict[str, list[dict]]:
        """Ranking events by parent id: ``count`` rankings of every parent with two or more accepted replies."""
        events: dict[str, list[dict]] = {}
        if not count:
            return events
        for parent in self._walk(root):
            children = [child for child in parent.children if child.review_result]
            if not parent.review_result or len(children) < 2:
                continue
            rng = random.Random(f"{parent.id}/rankings")
            rankers = self._others(*(child.author for child in children), rng=rng)[:count]
            if len(rankers) < count:
                raise DemoDataError(f"{self.key} message {parent.path}: not enough rankers who write {self.lang!r}")
            last_review = max(r.created_at for r in self.tree.reviews if r.message_id in {c.id for c in children})
            moment = last_review
            for ranker in rankers:
                moment += timedelta(hours=rng.uniform(0.5, 8))
                shown = [child.id for child in children]
                rng.shuffle(shown)
                # Each ranker sees the replies' quality a little differently.
                seen = {child.id: child.quality + rng.uniform(-0.12, 0.12) for child in children}
                best_first = sorted(shown, key=lambda message_id: -seen[message_id])
                events.setdefault(parent.id, []).append(
                    {
                        "type": "ranking",
                        "user_id": str(self.user_ids[ranker]),
                        "ranking": [shown.index(message_id) for message_id in best_first],
                        "ranked_message_ids": shown,
                        "ranking_parent_id": parent.id,
                        "message_tree_id": self.tree.id,
                        "not_rankable": False,
                    }
                )
                self.tree.ranking_times[(parent.id, ranker)] = moment
                self.tree.activity.append((ranker, moment))
        return events

    # --- Reactions -----------------------------------------------------------------------------------------

    def _reactions(self, root: _Node) -> None:
        """The emojis the file names, plus thumbs up for the best of several good replies and thumbs down
        for poor ones."""
        for parent in self._walk(root):
            accepted = [child for child in parent.children if child.review_result]
            best = max(accepted, key=lambda child: child.quality) if len(accepted) > 1 else None
            for child in parent.children:
                wanted = dict(child.emojis)
                if child is best and child.quality >= 0.75:
                    wanted.setdefault("+1", 1 + int(child.quality * 10) % 3)
                if child.review_result is not None and child.quality < 0.45 and child.role == Role.ASSISTANT:
                    wanted.setdefault("-1", 1)
                self._react(child, wanted)
        self._react(root, dict(root.emojis))

    def _react(self, node: _Node, wanted: dict[str, int]) -> None:
        rng = random.Random(f"{node.id}/emojis")
        others = self._others(node.author, rng=rng)
        voted: set[str] = set()
        for emoji, count in sorted(wanted.items()):
            # +1 and -1 exclude each other: nobody gives both to one message.
            users = [name for name in others if emoji not in ("+1", "-1") or name not in voted][:count]
            if len(users) < count:
                raise DemoDataError(f"{self.key} message {node.path}: not enough users for {count} {emoji!r}")
            if emoji in ("+1", "-1"):
                voted.update(users)
            self.tree.reactions.extend(PlannedReaction(node.id, user, emoji) for user in users)

    # --- The oasst1 node -------------------------------------------------------------------------------------

    def _oasst_node(self, node: _Node, rankings: dict[str, list[dict]], parent_id: str | None = None) -> dict:
        out: dict[str, Any] = {
            "message_id": node.id,
            "user_id": str(self.user_ids[node.author]),
            "created_date": self._created(node).isoformat(),
            "text": node.text,
            "role": node.role,
            "lang": self.lang,
            "review_count": node.reviews,
            "deleted": False,
            "synthetic": False,
        }
        if parent_id is not None:
            out["parent_id"] = parent_id
        if node.review_result is not None:
            out["review_result"] = node.review_result
        if node.labels:
            out["labels"] = node.labels
        if node.id in rankings:
            out["events"] = {"ranking": rankings[node.id]}
        out["replies"] = [self._oasst_node(child, rankings, node.id) for child in node.children]
        return out


def _quarter(value: float) -> float:
    """The nearest step of the 5-point scale (0, 0.25, ..., 1)."""
    return min(1.0, max(0.0, round(value * 4) / 4))
