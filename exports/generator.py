"""Synthetic oasst1 data with the shape of the April 2023 release (SPEC 9), deterministic for a seed.

At 66,497 trees it gives about 161k messages (2.43 per tree: most trees are a lone prompt, the ~15%
ready for export hold 8-15 messages), about 461k reviews, 35 languages with English and Spanish two
thirds of the messages, ~13.5k users, the state mix of a real collection, roles alternating with depth,
some deleted and some synthetic replies, ranks and rankings on finished trees, emojis (with skip
counters and their reaction events), labels that are the means of the reviews, and detoxify scores.

Every tree is one the platform could hold in its state (SPEC 2), so that ``check_trees`` finds nothing to
change after a load: a tree that can still take replies keeps within the limits of the platform's code
defaults (``GROWTH_LIMITS``); trees past growing have the release's wider shapes (deeper threads, two
follow-ups under an assistant reply), which an import keeps as they are (exports.services.importing,
``imported_tree_limits``); a tree is in ranking or ready for scoring only with sibling replies to rank; and
no tree is in scoring_failed, which only a failed scoring run of the platform itself leaves, until its
re-check retries it.

Everything comes from one ``random.Random(seed)`` and a fixed base date: no wall clock.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any, TextIO

from annotation.models import TreeState
from exports.jsoncodec import dumps
from exports.memory import rare_garbage_collection
from exports.oasst_format import TreeRecord, format_datetime, read_tree_line

REFERENCE_TREES = 66_497
REFERENCE_USERS = 13_500
BASE_DATE = dt.datetime(2023, 2, 5, tzinfo=dt.UTC)
COLLECTION_DAYS = 65
MIN_USERS = 20

# (language, share of trees): 35 languages, English and Spanish about two thirds.
LANGUAGES = (
    ("en", 41.0), ("es", 25.0), ("ru", 5.0), ("de", 4.0), ("zh", 3.5), ("fr", 3.0), ("th", 2.0), ("pt-BR", 2.0),
    ("ca", 1.5), ("uk-UA", 1.0), ("it", 1.0), ("ja", 1.0), ("pl", 0.8), ("eu", 0.7), ("vi", 0.6), ("hu", 0.5),
    ("ar", 0.5), ("da", 0.4), ("tr", 0.4), ("ko", 0.4), ("fi", 0.3), ("id", 0.3), ("cs", 0.3), ("sv", 0.3),
    ("he", 0.2), ("nl", 0.2), ("ro", 0.2), ("fa", 0.2), ("nb-NO", 0.2), ("el", 0.1), ("bg", 0.1), ("bn", 0.1),
    ("sk", 0.1), ("sr", 0.1), ("lt", 0.1),
)  # fmt: skip
# (state, share of trees, message counts to draw from with their weights)
LONE = ((1,), (1,))
FULL = ((8, 9, 10, 11, 12, 13, 14, 15), (78, 10, 4, 3, 2, 1, 1, 1))
STATES = (
    (TreeState.PROMPT_LOTTERY_WAITING, 45.3, LONE),
    (TreeState.ABORTED_LOW_GRADE, 17.5, LONE),
    (TreeState.INITIAL_PROMPT_REVIEW, 4.0, LONE),
    (TreeState.GROWING, 10.0, ((1, 2, 3, 4), (5, 3, 1, 1))),
    (TreeState.HALTED_BY_MODERATOR, 1.2, ((1, 2, 3), (3, 2, 1))),
    (TreeState.READY_FOR_EXPORT, 15.0, FULL),
    (TreeState.RANKING, 1.0, FULL),
    (TreeState.READY_FOR_SCORING, 0.3, FULL),
    (TreeState.BACKLOG_RANKING, 0.5, FULL),
)
RANKED_STATES = frozenset((TreeState.READY_FOR_EXPORT, TreeState.READY_FOR_SCORING))
# States the platform gives a tree only when it has sibling replies to rank (SPEC 2, step 5).
RANKING_STATES = frozenset((TreeState.RANKING, TreeState.READY_FOR_SCORING))
# States in which a tree may still take replies: now (growing) or later (waiting, under review, halted).
OPEN_STATES = frozenset(
    (
        TreeState.INITIAL_PROMPT_REVIEW,
        TreeState.PROMPT_LOTTERY_WAITING,
        TreeState.GROWING,
        TreeState.HALTED_BY_MODERATOR,
    )
)


@dataclass(frozen=True)
class ShapeLimits:
    """Where a reply may go: under a parent of depth < ``max_depth`` with fewer live children than its limit."""

    max_depth: int
    prompter_children: int  # replies under a prompter message (max_children_count)
    assistant_children: int  # follow-ups under an assistant reply (num_prompter_replies)


# A tree that can still take replies grows as the platform lets it, under the code defaults of TREE_MANAGER
# (SPEC 2, step 4); the other trees have the shapes of the 2023 release, grown under wider limits.
GROWTH_LIMITS = ShapeLimits(max_depth=3, prompter_children=3, assistant_children=1)
RELEASE_LIMITS = ShapeLimits(max_depth=5, prompter_children=3, assistant_children=2)
FLAGS = ("pii", "not_appropriate", "hate_speech", "sexual_content", "moral_judgement", "political_content")
SCALES = ("quality", "toxicity", "humor", "creativity", "violence")
SCALE = (0.0, 0.25, 0.5, 0.75, 1.0)
SCALE_WEIGHTS = {
    "quality": (5, 10, 25, 35, 25),
    "helpfulness": (5, 10, 20, 35, 30),
    "creativity": (15, 25, 30, 20, 10),
    "humor": (50, 25, 15, 7, 3),
    "toxicity": (85, 10, 3, 1, 1),
    "violence": (90, 6, 2, 1, 1),
}


def _pool(values: tuple, weights: tuple[int, ...]) -> tuple:
    """Each value repeated by its weight: a draw is one index, much cheaper than random.choices."""
    return tuple(value for value, weight in zip(values, weights, strict=True) for _ in range(weight))


SCALE_POOLS = {name: _pool(SCALE, weights) for name, weights in SCALE_WEIGHTS.items()}
REVIEW_COUNTS = _pool((3, 4, 5), (97, 2, 1))
# Prompts aborted by flags or a moderator may have fewer than the required reviews.
ABORTED_REVIEW_COUNTS = _pool((1, 2, 3), (2, 3, 5))
UPVOTES = _pool(tuple(range(7)), (50, 20, 12, 8, 5, 3, 2))
DOWNVOTES = _pool(tuple(range(4)), (85, 10, 4, 1))
DOWNVOTES_REJECTED = _pool(tuple(range(4)), (3, 4, 2, 1))
SKIPS = _pool(tuple(range(4)), (70, 20, 7, 3))
REACTIONS = ("heart_eyes", "rofl", "100", "clap", "diamond", "disappointed", "poop", "skull", "red_flag")
MODEL_NAMES = ("oasst-sft-1-pythia-12b", "oasst-sft-4-pythia-12b-epoch-3.5", "llama-30b-sft-6")
DETOXIFY_SCALES = (
    ("toxicity", 0.5),
    ("severe_toxicity", 0.02),
    ("obscene", 0.1),
    ("identity_attack", 0.05),
    ("insult", 0.1),
    ("threat", 0.02),
    ("sexual_explicit", 0.05),
)
# Words to build texts from, per script: enough for texts of the right length and alphabet.
_WORDS = {
    "latin": "the a of to and in is it you that for on with as this be at have from or can an by not but what all "
    "when we there use your which how about would if so time only make like more other some could them these "
    "than then first water been call who now find long down day did get come made may part python code example "
    "answer question explain help write data model simple list please thanks great idea story good",
    "es": "el la de que y en un una es por con para como más pero sus le ya o este sí porque esta entre cuando muy "
    "sin sobre también me hasta hay donde quien desde todo nos durante todos uno les ni contra otros ese eso "
    "ante ellos esto antes algunos qué unos yo otro otras otra él tanto esa estos mucho quienes nada muchos "
    "cual poco ella estar estas algunas algo nosotros receta explicar ejemplo ayuda gracias",
    "cyrillic": "и в не на я быть он с что а по это она этот к но они мы как из у который то за свой весь год от "  # noqa: RUF001
    "так о для ты же все тот мочь вы человек такой его сказать только или ещё бы себя один уже",  # noqa: RUF001
    "cjk": " ".join("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她"),
    "ja": " ".join(
        "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん日本語"
    ),
    "ko": "그 이 저 것 수 등 들 및 에서 그리고 하다 있다 되다 없다 않다 사람 우리 한국 말 일 때 년 중 더",
    "ar": "في من على إلى أن هذا التي الذي عن مع كان هذه كل ذلك بين لا ما هو قد أو ثم بعد عند حتى إذا كيف",
    "he": "של את על לא זה הוא היא גם אם כי אני מה יש עם אבל כל או רק היה אחד כמו אחרי איך למה",
    "th": "ที่ และ ของ ใน เป็น มี การ ได้ ไม่ ว่า จะ ให้ มา กับ แล้ว คน นี้ ความ ไป อยู่ ก็ หรือ",
}
WORDS = {script: words.split() for script, words in _WORDS.items()}
SCRIPT_OF = {
    **dict.fromkeys(("es", "ca", "eu"), "es"),
    **dict.fromkeys(("ru", "uk-UA", "bg", "sr"), "cyrillic"),
    **dict.fromkeys(("ar", "fa"), "ar"),
    **{code: code for code in ("ja", "ko", "he", "th")},
    "zh": "cjk",
}
CODE_BLOCK = "\n\n```python\ndef solve(items):\n    return sorted(set(items))\n```\n"


@dataclass
class _Node:
    id: str
    role: str
    depth: int
    created: dt.datetime
    parent: _Node | None
    accepted: bool | None = None
    deleted: bool = False
    children: list[_Node] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def default_users(trees: int) -> int:
    return max(MIN_USERS, round(trees * REFERENCE_USERS / REFERENCE_TREES))


class Generator:
    """Yields (tree line, reviews) pairs; a review is (message_id, reviewer_id, values, full, created)."""

    def __init__(self, *, seed: int, users: int) -> None:
        self.rng = random.Random(seed)
        self.users = [self._uuid() for _ in range(users)]
        # A few volunteers write much more than the others.
        self.user_weights = list(accumulate(1.0 / (rank + 10) for rank in range(users)))
        self.lang_codes = [code for code, _ in LANGUAGES]
        self.lang_weights = list(accumulate(weight for _, weight in LANGUAGES))
        self.state_weights = list(accumulate(weight for _, weight, _ in STATES))

    def trees(self, count: int) -> Iterator[tuple[dict, list[tuple]]]:
        for _ in range(count):
            yield self._tree()

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _pick(self, pool: tuple) -> Any:
        return pool[int(self.rng.random() * len(pool))]

    def _consecutive_users(self, count: int, *, skip: str) -> list[str]:
        """``count`` distinct users other than ``skip``, from a random place in the list."""
        start = int(self.rng.random() * len(self.users))
        block = [self.users[(start + i) % len(self.users)] for i in range(count + 1)]
        return [user for user in block if user != skip][:count]

    def _user(self) -> str:
        return self.rng.choices(self.users, cum_weights=self.user_weights)[0]

    def _tree(self) -> tuple[dict, list[tuple]]:
        rng = self.rng
        state, _, (sizes, size_weights) = rng.choices(STATES, cum_weights=self.state_weights)[0]
        lang = rng.choices(self.lang_codes, cum_weights=self.lang_weights)[0]
        size = rng.choices(sizes, weights=size_weights)[0]
        created = BASE_DATE + dt.timedelta(seconds=rng.uniform(0, COLLECTION_DAYS * 86400))
        while True:
            root, nodes, reviews = self._grow(state=state, lang=lang, size=size, created=created)
            if state in OPEN_STATES:
                break
            # A tree past growing is full (its rejected replies closed no branch too early), and the platform
            # ranks it, or holds it for scoring, only when it has sibling replies to rank.
            if len(nodes) == size and (state not in RANKING_STATES or any(_rankable(node) for node in nodes)):
                break
        if state in RANKED_STATES or state == TreeState.RANKING:
            for node in nodes:
                self._rank(node, state=state)
        prompt = self._serialise(root)
        return {"message_tree_id": root.id, "tree_state": state, "prompt": prompt}, reviews

    def _grow(self, *, state: str, lang: str, size: int, created: dt.datetime) -> tuple[_Node, list[_Node], list]:
        """A prompt and up to ``size - 1`` replies under it, each under a parent with room for one."""
        rng = self.rng
        root = _Node(id=self._uuid(), role="prompter", depth=0, created=created, parent=None)
        reviews: list[tuple] = []
        self._message(root, lang=lang, state=state, reviews=reviews)
        nodes = [root]
        limits = GROWTH_LIMITS if state in OPEN_STATES else RELEASE_LIMITS
        while len(nodes) < size:
            open_parents = [node for node in nodes if _takes_reply(node, limits)]
            if not open_parents:
                break
            parent = rng.choice(open_parents)
            role = "assistant" if parent.role == "prompter" else "prompter"
            child_created = parent.created + dt.timedelta(minutes=rng.uniform(1, 3000))
            child = _Node(id=self._uuid(), role=role, depth=parent.depth + 1, created=child_created, parent=parent)
            parent.children.append(child)
            nodes.append(child)
            self._message(child, lang=lang, state=state, reviews=reviews)
        return root, nodes, reviews

    def _message(self, node: _Node, *, lang: str, state: str, reviews: list[tuple]) -> None:
        rng = self.rng
        author = self._user()
        data = node.data
        data.update(message_id=node.id)
        if node.parent is not None:
            data["parent_id"] = node.parent.id
        data.update(user_id=author, created_date=format_datetime(node.created), text=self._text(node, lang))
        data.update(role=node.role, lang=lang)
        if node.parent is None:
            wanted = {TreeState.ABORTED_LOW_GRADE: False, TreeState.INITIAL_PROMPT_REVIEW: None}.get(state, True)
        elif state in (TreeState.GROWING, TreeState.HALTED_BY_MODERATOR) and rng.random() < 0.3:
            wanted = None
        else:
            wanted = rng.random() > 0.06
        node.accepted = wanted
        node_reviews = self._reviews(node, author=author, accepted=wanted)
        reviews.extend(node_reviews)
        data.update(review_count=len(node_reviews))
        if wanted is not None:
            data["review_result"] = wanted
        node.deleted = node.parent is not None and (node.parent.deleted or rng.random() < 0.02)
        data["deleted"] = node.deleted
        data["synthetic"] = node.role == "assistant" and rng.random() < 0.015
        if data["synthetic"]:
            data["model_name"] = rng.choice(MODEL_NAMES)
        emojis, events = self._emojis(node, author=author, reviewed=bool(node_reviews))
        if emojis:
            data["emojis"] = emojis
        if node_reviews:
            data["labels"] = _label_means(node_reviews)
        if events:
            data["events"] = {"emoji": events}
        if rng.random() < 0.75:
            data["detoxify"] = {name: rng.random() ** 9 * scale for name, scale in DETOXIFY_SCALES}

    def _text(self, node: _Node, lang: str) -> str:
        rng = self.rng
        script = SCRIPT_OF.get(lang, "latin")
        words = WORDS[script]
        count = int(rng.triangular(5, 200, 40) if node.role == "assistant" else rng.triangular(3, 50, 10))
        separator = "" if script in ("cjk", "ja") else " "
        text = separator.join(rng.choices(words, k=count))
        text = text[0].upper() + text[1:] + ("?" if node.role == "prompter" else ".")
        if node.role == "assistant" and rng.random() < 0.08:
            text += CODE_BLOCK
        return text

    def _reviews(self, node: _Node, *, author: str, accepted: bool | None) -> list[tuple]:
        """Reviews whose acceptance gives ``accepted`` (None: fewer reviews than needed)."""
        rng = self.rng
        if accepted is None:
            count = rng.choice((0, 0, 1, 2))
        else:
            count = self._pick(REVIEW_COUNTS if accepted or node.parent else ABORTED_REVIEW_COUNTS)
        full = node.role != "prompter" or node.parent is None or rng.random() < 0.1
        reviewers = self._consecutive_users(count, skip=author)
        while True:
            values = [self._review_values(node, full=full, bad=accepted is False) for _ in reviewers]
            spam = sum(v["spam"] + v["lang_mismatch"] for v in values) / max(1, len(values))
            if accepted is None or (1 - spam > 0.6) == accepted:
                break
        created = node.created
        return [
            (node.id, reviewer, review, full, created + dt.timedelta(minutes=10 * (i + 1)))
            for i, (reviewer, review) in enumerate(zip(reviewers, values, strict=True))
        ]

    def _review_values(self, node: _Node, *, full: bool, bad: bool) -> dict[str, float]:
        rng = self.rng
        random_ = rng.random
        values = {
            "spam": 1.0 if random_() < (0.8 if bad else 0.02) else 0.0,
            "lang_mismatch": 1.0 if random_() < (0.2 if bad else 0.01) else 0.0,
            "quality": self._pick(SCALE_POOLS["quality"]),
        }
        if not full:
            return values
        for flag in FLAGS:
            values[flag] = 1.0 if random_() < 0.03 else 0.0
        for scale in SCALES[1:]:
            values[scale] = self._pick(SCALE_POOLS[scale])
        if node.role == "assistant":
            values["fails_task"] = 1.0 if random_() < (0.5 if bad else 0.08) else 0.0
            values["helpfulness"] = self._pick(SCALE_POOLS["helpfulness"])
        return values

    def _emojis(self, node: _Node, *, author: str, reviewed: bool) -> tuple[dict[str, int], list[dict]]:
        rng = self.rng
        counts: dict[str, int] = {}
        if reviewed:
            counts["+1"] = self._pick(UPVOTES)
            counts["-1"] = self._pick(DOWNVOTES if node.accepted else DOWNVOTES_REJECTED)
            if rng.random() < 0.05:
                counts[rng.choice(REACTIONS)] = rng.randint(1, 2)
            counts["_skip_labeling"] = self._pick(SKIPS[:95])
        if node.accepted:
            counts["_skip_reply"] = self._pick(SKIPS)
        events = []
        voters = self._consecutive_users(11, skip=author)
        for code, count in counts.items():
            if code.startswith("_") or not count:
                continue
            # +1 and -1 exclude each other: draw their voters from one list.
            users = voters[: counts["+1"]] if code == "+1" else voters[counts["+1"] : counts["+1"] + count]
            users = users if code in ("+1", "-1") else rng.sample(voters, count)
            events.extend({"type": "emoji", "user_id": user, "emoji": code} for user in users)
        return {code: count for code, count in counts.items() if count}, events

    def _rank(self, node: _Node, *, state: str) -> None:
        rng = self.rng
        if not _rankable(node):
            return
        siblings = _accepted_children(node)
        best_first = rng.sample(siblings, len(siblings))
        rankings = 3 if state in RANKED_STATES else rng.randint(0, 2)
        events = []
        for _ in range(rankings):
            shown = rng.sample(siblings, len(siblings))
            order = list(best_first)
            if rng.random() < 0.4:
                i = rng.randrange(len(order) - 1)
                order[i], order[i + 1] = order[i + 1], order[i]
            events.append(
                {
                    "type": "ranking",
                    "user_id": self._user(),
                    "ranking": [shown.index(child) for child in order],
                    "ranked_message_ids": [child.id for child in shown],
                    "ranking_parent_id": node.id,
                    "message_tree_id": _root(node).id,
                    # not_rankable is false: left out, as the original platform writes it.
                }
            )
        if events:
            node.data.setdefault("events", {})["ranking"] = events
        skips = self._pick(SKIPS[:95])
        if skips:
            node.data.setdefault("emojis", {})["_skip_ranking"] = skips
        if state == TreeState.READY_FOR_EXPORT:
            for rank, child in enumerate(best_first):
                child.data["rank"] = rank

    def _serialise(self, root: _Node) -> dict:
        """The node and its replies as in the released files (a leaf with an empty list of replies); no
        recursion over depth."""
        serialised = {}
        for node in _depth_first(root):
            data = node.data
            # Keys in the order of the released files.
            ordered = {key: data[key] for key in _KEY_ORDER if key in data}
            ordered["replies"] = []
            serialised[node.id] = ordered
            if node.parent is not None:
                serialised[node.parent.id]["replies"].append(ordered)
        return serialised[root.id]


_KEY_ORDER = (
    "message_id",
    "parent_id",
    "user_id",
    "created_date",
    "text",
    "role",
    "lang",
    "review_count",
    "review_result",
    "deleted",
    "rank",
    "synthetic",
    "model_name",
    "emojis",
    "labels",
    "events",
    "detoxify",
)


def _takes_reply(node: _Node, limits: ShapeLimits) -> bool:
    """An accepted live message with room for one more reply under ``limits``; every child counts, live or not."""
    limit = limits.prompter_children if node.role == "prompter" else limits.assistant_children
    return node.accepted is True and not node.deleted and node.depth < limits.max_depth and len(node.children) < limit


def _accepted_children(node: _Node) -> list[_Node]:
    return [child for child in node.children if child.accepted and not child.deleted]


def _rankable(node: _Node) -> bool:
    """An accepted live parent with two or more accepted live children, which the platform has ranked."""
    return node.accepted is True and not node.deleted and len(_accepted_children(node)) >= 2


def _depth_first(root: _Node) -> Iterator[_Node]:
    """The node and those under it, each parent before its children, children in order."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def _root(node: _Node) -> _Node:
    while node.parent is not None:
        node = node.parent
    return node


def _label_means(reviews: list[tuple]) -> dict[str, dict[str, float | int]]:
    sums: dict[str, float] = {}
    counts: dict[str, int] = {}
    for review in reviews:
        for name, value in review[2].items():
            sums[name] = sums.get(name, 0.0) + value
            counts[name] = counts.get(name, 0) + 1
    return {name: {"value": sums[name] / counts[name], "count": counts[name]} for name in sums}


def generate(*, trees: int, seed: int, users: int | None = None) -> Iterator[tuple[dict, list[tuple]]]:
    """The trees of a synthetic collection, each with the reviews behind its labels."""
    return Generator(seed=seed, users=max(MIN_USERS, users or default_users(trees))).trees(trees)


def write_generated(out: TextIO, *, trees: Iterable[tuple[dict, list[tuple]]]) -> None:
    """Write generated trees (from ``generate``) to ``out`` as a tree file, one line each."""
    with rare_garbage_collection():
        for tree, _reviews in trees:
            out.write(dumps(tree) + "\n")


def generated_records(*, trees: int, seed: int, users: int | None = None) -> Iterator[TreeRecord]:
    """The same trees as rows for the importer, with their Review rows."""
    for line, (tree, reviews) in enumerate(generate(trees=trees, seed=seed, users=users), start=1):
        record = read_tree_line(tree, line=line)
        record.user_ids.update(review[1] for review in reviews)
        record.reviews = reviews
        yield record
