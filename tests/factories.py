"""Factories shared by all tests. Build trees with ``make_tree`` for whole shapes."""

import factory
from django.db.models import F
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PersonalToken, User
from accounts.services.tokens import hash_token, issue_personal_token
from annotation.models import Message, MessageTree, Ranking, Role, TreeState
from annotation.services.tree_transitions import tree_limits
from moderation.models import ModerationAction


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    display_name = factory.LazyAttribute(lambda u: u.username.title())
    languages = factory.LazyFunction(lambda: ["en"])
    tos_accepted_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MessageTreeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MessageTree

    state = TreeState.GROWING
    lang = "en"
    origin = "test"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    tree = factory.SubFactory(MessageTreeFactory)
    parent = None
    author = factory.SubFactory(UserFactory)
    role = Role.PROMPTER
    lang = factory.LazyAttribute(lambda m: m.tree.lang)
    text = factory.Sequence(lambda n: f"Message number {n}")
    depth = factory.LazyAttribute(lambda m: 0 if m.parent is None else m.parent.depth + 1)
    created_at = factory.LazyFunction(timezone.now)


def make_prompt(*, state: str = TreeState.GROWING, lang: str = "en", accepted: bool = True, **kwargs) -> Message:
    """A tree with only its root prompt; the tree's id is the prompt's id and its limits come from TREE_MANAGER."""
    kwargs.setdefault("author", UserFactory())
    root = MessageFactory.build(lang=lang, role=Role.PROMPTER, **kwargs)
    root.tree = MessageTree.objects.create(id=root.id, state=state, lang=lang, origin="test", **tree_limits())
    if accepted:
        root.review_result = True
        root.review_count = 3
    root.save()
    return root


def make_reply(parent: Message, *, accepted: bool = True, **kwargs) -> Message:
    """A reply under ``parent``; the parent's live-children counter is kept in step, as the engine does."""
    role = Role.ASSISTANT if parent.role == Role.PROMPTER else Role.PROMPTER
    fields = {"review_result": True, "review_count": 3} if accepted else {}
    fields.update(kwargs)
    reply = MessageFactory(tree=parent.tree, parent=parent, role=role, lang=parent.lang, **fields)
    if not reply.deleted and reply.review_result is not False:
        Message.objects.filter(pk=parent.pk).update(children_count=F("children_count") + 1)
        parent.children_count += 1
    return reply


# The plain personal tokens the tests made, by user: the database keeps only their hashes.
_personal_tokens: dict[object, str] = {}


def api_client_for(user: User) -> APIClient:
    """A REST API client authenticated with the user's personal token (the same one for every client of a user)."""
    token = _personal_tokens.get(user.pk)
    if token is None or not PersonalToken.objects.filter(user=user, token_hash=hash_token(token)).exists():
        token = _personal_tokens[user.pk] = issue_personal_token(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def count_children(*parents: Message) -> None:
    """Set the slot counter ``children_count`` of each parent from its live, not rejected children."""
    for parent in parents:
        live = Message.objects.filter(parent=parent, deleted=False).exclude(review_result=False).count()
        Message.objects.filter(pk=parent.pk).update(children_count=live)
        parent.children_count = live


def make_trees_for_every_task_type(*, lang: str = "en", author: User | None = None) -> dict[str, Message]:
    """One tree per task type in the state that offers it; by task type, the message the task is about."""
    author = author or UserFactory()
    review_prompt = make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False, lang=lang, author=author)
    growing_prompt = make_prompt(lang=lang, author=author)
    answered = make_prompt(lang=lang, author=author)
    answer = make_reply(answered, author=author)
    unreviewed_answer = make_reply(make_prompt(lang=lang, author=author), accepted=False, author=author)
    asked = make_reply(make_prompt(lang=lang, author=author), author=author)
    unreviewed_question = make_reply(asked, accepted=False, author=author)
    ranked_prompt = make_prompt(state=TreeState.RANKING, lang=lang, author=author)
    for _ in range(2):
        make_reply(ranked_prompt, author=UserFactory())
    ranked_answer = make_reply(make_prompt(state=TreeState.RANKING, lang=lang, author=author), author=author)
    for _ in range(2):
        make_reply(ranked_answer, author=UserFactory())
    count_children(
        answered, asked, asked.parent, unreviewed_answer.parent, ranked_prompt, ranked_answer, ranked_answer.parent
    )
    return {
        "label_initial_prompt": review_prompt,
        "assistant_reply": growing_prompt,
        "prompter_reply": answer,
        "label_assistant_reply": unreviewed_answer,
        "label_prompter_reply": unreviewed_question,
        "rank_assistant_replies": ranked_prompt,
        "rank_prompter_replies": ranked_answer,
    }


def make_ranking_tree(*, replies: int = 2, lang: str = "en") -> Message:
    """A complete tree in ``ranking``: a prompt with ``replies`` accepted assistant replies; returns the prompt."""
    root = make_prompt(state=TreeState.RANKING, lang=lang)
    MessageTree.objects.filter(pk=root.tree_id).update(goal_tree_size=replies + 1)
    root.tree.goal_tree_size = replies + 1
    for _ in range(replies):
        make_reply(root)
    return root


def make_ranked_tree(*, rankings: int = 0) -> tuple[Message, list[Message]]:
    """A complete tree in ranking: a prompt with two accepted replies, and some rankings of them."""
    root = make_ranking_tree()
    replies = list(Message.objects.filter(parent=root).order_by("created_at"))
    for i in range(rankings):
        Ranking.objects.create(
            parent=root,
            tree=root.tree,
            user=UserFactory(),
            ranked_message_ids=[str(r.pk) for r in replies],
            ranking=[i % 2, 1 - i % 2],
        )
    return root, replies


class ModerationActionFactory(factory.django.DjangoModelFactory):
    """An audit log entry by a moderator; pass ``moderator=None`` for one taken by the platform."""

    class Meta:
        model = ModerationAction

    moderator = factory.SubFactory(UserFactory, role="moderator")
    kind = ModerationAction.Kind.HALT_TREE
    reason = factory.Sequence(lambda n: f"Reason number {n}")
    details = factory.LazyFunction(dict)

    @classmethod
    def _create(cls, model_class, *args, created_at=None, **kwargs):
        # created_at is set on insert (auto_now_add): a given time is written afterwards.
        action = super()._create(model_class, *args, **kwargs)
        if created_at is not None:
            model_class.objects.filter(pk=action.pk).update(created_at=created_at)
            action.created_at = created_at
        return action
