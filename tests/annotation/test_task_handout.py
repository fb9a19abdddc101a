from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotation.errors import (
    InvalidTaskType,
    NoTaskAvailable,
    NotTaskOwner,
    TaskClosed,
    TaskExpired,
    TooManyPendingTasks,
)
from annotation.models import Message, MessageTree, Task, TaskState, TaskType, TreeState
from annotation.selectors import task_candidates, tasks
from annotation.services.drafts import save_draft
from annotation.services.submissions import submit_ranking, submit_text
from annotation.services.task_handout import (
    acknowledge_task,
    expire_stale_tasks,
    lock_task,
    release_open_tasks,
    release_task,
    renew_task,
    request_task,
    skip_task,
)
from core.errors import RateLimited, UserDisabled
from tests.factories import (
    MessageFactory,
    UserFactory,
    make_prompt,
    make_ranking_tree,
    make_reply,
    make_trees_for_every_task_type,
)

pytestmark = pytest.mark.django_db


def test_a_reply_task_claims_a_slot_and_shows_the_thread():
    root = make_prompt()
    answer = make_reply(root)
    follow_up = make_reply(answer)
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert task.state == TaskState.OPEN and task.tree_id == root.tree_id
    # Two prompter parents have room; both are offered.
    assert task.parent_message_id in (root.pk, follow_up.pk)
    parent = Message.objects.get(pk=task.parent_message_id)
    assert parent.reply_claims == 1
    expected = [str(root.pk)] if parent == root else [str(root.pk), str(answer.pk), str(follow_up.pk)]
    assert task.payload["thread"] == expected
    # A short lease until the task is shown, then the reply lease.
    assert timedelta(minutes=14) < task.expires_at - task.created_at <= timedelta(minutes=15)
    task = acknowledge_task(task=task, user=user)
    lease = task.expires_at - task.acknowledged_at
    assert timedelta(minutes=29) < lease <= timedelta(minutes=30)


def test_the_last_slot_goes_to_one_volunteer_only(tree_manager):
    tree_manager(max_children_count=2)
    root = make_prompt()
    make_reply(root)
    first = request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert first.parent_message_id == root.pk
    with pytest.raises(NoTaskAvailable):
        request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)


def test_an_assistant_reply_takes_one_prompter_follow_up():
    answer = make_reply(make_prompt())
    request_task(user=UserFactory(), lang="en", task_type=TaskType.PROMPTER_REPLY)
    with pytest.raises(NoTaskAvailable):
        request_task(user=UserFactory(), lang="en", task_type=TaskType.PROMPTER_REPLY)
    answer.refresh_from_db()
    assert answer.reply_claims == 1


def test_no_replies_beyond_the_maximum_depth():
    root = make_prompt()
    MessageTree.objects.filter(pk=root.tree_id).update(max_depth=1)
    make_reply(root)
    with pytest.raises(NoTaskAvailable):
        request_task(user=UserFactory(), lang="en", task_type=TaskType.PROMPTER_REPLY)


def test_own_messages_and_other_languages_are_not_offered():
    author = UserFactory()
    make_prompt(author=author)
    make_prompt(lang="de")
    with pytest.raises(NoTaskAvailable):
        request_task(user=author, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)


def test_a_random_request_falls_back_to_an_initial_prompt():
    user = UserFactory()
    task = request_task(user=user, lang="en")
    assert task.type == TaskType.INITIAL_PROMPT and task.payload["thread"] == []
    task = acknowledge_task(task=task, user=user)
    assert abs(task.expires_at - task.created_at - timedelta(hours=48)) < timedelta(seconds=5)


def test_a_random_request_draws_by_the_weights(tree_manager):
    tree_manager(weight_ranking=0, weight_label_prompt=0, weight_initial_prompt=0, weight_reply=1, weight_label_reply=0)
    make_prompt()
    make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    assert request_task(user=UserFactory(), lang="en").type == TaskType.ASSISTANT_REPLY
    tree_manager(weight_reply=0, weight_label_prompt=1)
    assert request_task(user=UserFactory(), lang="en").type == TaskType.LABEL_INITIAL_PROMPT


def test_lonely_prompter_messages_are_preferred(tree_manager):
    tree_manager(p_lonely_child_extension=1.0)
    root = make_prompt()
    make_reply(root)
    make_reply(root)
    lonely = make_reply(make_reply(root))
    for _ in range(6):
        task = request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)
        assert task.parent_message_id == lonely.pk
        skip_task(task=task, user=task.user, reason="")


def test_review_tasks_use_the_simple_label_set_by_probability(tree_manager):
    tree_manager(p_full_labeling_review_reply_prompter=0.0)
    pending = make_reply(make_reply(make_prompt()), accepted=False)
    task = request_task(user=UserFactory(), lang="en", task_type=TaskType.LABEL_PROMPTER_REPLY)
    assert task.message_id == pending.pk
    assert task.payload["full_labels"] is False
    assert task.payload["label_names"] == ["spam", "lang_mismatch", "quality"]

    answer = make_reply(make_prompt(), accepted=False)
    task = request_task(user=UserFactory(), lang="en", task_type=TaskType.LABEL_ASSISTANT_REPLY)
    assert task.message_id == answer.pk and task.payload["full_labels"] is True
    assert {"fails_task", "helpfulness"} <= set(task.payload["label_names"])


def test_a_message_gets_no_more_review_claims_than_reviews_needed():
    make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    for _ in range(3):
        request_task(user=UserFactory(), lang="en", task_type=TaskType.LABEL_INITIAL_PROMPT)
    with pytest.raises(NoTaskAvailable):
        request_task(user=UserFactory(), lang="en", task_type=TaskType.LABEL_INITIAL_PROMPT)


def test_a_ranking_task_shows_the_accepted_siblings_shuffled():
    root = make_ranking_tree(replies=3)
    replies = {str(pk) for pk in Message.objects.filter(parent=root).values_list("pk", flat=True)}
    make_reply(root, accepted=False, review_result=False)
    writer = Message.objects.get(pk=next(iter(replies))).author
    with pytest.raises(NoTaskAvailable):
        request_task(user=writer, lang="en", task_type=TaskType.RANK_ASSISTANT_REPLIES)
    task = request_task(user=UserFactory(), lang="en", task_type=TaskType.RANK_ASSISTANT_REPLIES)
    assert task.parent_message_id == root.pk and set(task.payload["replies"]) == replies
    assert task.payload["thread"] == [str(root.pk)]


def test_an_item_already_done_by_the_user_is_not_offered_again():
    root = make_ranking_tree()
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.RANK_ASSISTANT_REPLIES)
    submit_ranking(task=task, user=user, ranking=task.payload["replies"])
    assert MessageTree.objects.get(pk=root.tree_id).state == TreeState.RANKING
    with pytest.raises(NoTaskAvailable):
        request_task(user=user, lang="en", task_type=TaskType.RANK_ASSISTANT_REPLIES)
    assert request_task(user=UserFactory(), lang="en", task_type=TaskType.RANK_ASSISTANT_REPLIES)


def test_an_unknown_task_type_or_a_disabled_user_is_refused():
    with pytest.raises(InvalidTaskType):
        request_task(user=UserFactory(), lang="en", task_type="write_a_poem")
    with pytest.raises(UserDisabled):
        request_task(user=UserFactory(enabled=False), lang="en")


def test_at_most_max_pending_tasks_per_user(tree_manager):
    tree_manager(max_pending_tasks_per_user=3)
    user = UserFactory()
    # One per language: a second request in a language would give back the task held there.
    tasks = [request_task(user=user, lang=lang) for lang in ("en", "de", "fr")]
    assert len({task.pk for task in tasks}) == 3
    with pytest.raises(TooManyPendingTasks):
        request_task(user=user, lang="es")
    skip_task(task=tasks[0], user=user, reason="")
    request_task(user=user, lang="es")


def test_task_requests_are_rate_limited(tree_manager):
    tree_manager(rate_limit_task_requests=3)
    user = UserFactory()
    for _ in range(3):
        skip_task(task=request_task(user=user, lang="en"), user=user)
    with pytest.raises(RateLimited):
        request_task(user=user, lang="en")
    Task.objects.filter(user=user).update(created_at=timezone.now() - timedelta(minutes=5))
    assert request_task(user=user, lang="en")


def test_a_skip_records_the_reason_counts_and_hides_the_item_for_good():
    root = make_prompt()
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    skipped = skip_task(task=task, user=user, reason="  I know nothing about cats  ")
    assert skipped.state == TaskState.SKIPPED and skipped.skip_reason == "I know nothing about cats"
    root.refresh_from_db()
    assert root.emojis == {"_skip_reply": 1} and root.reply_claims == 0
    with pytest.raises(NoTaskAvailable):
        request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    # Still hidden after the task would have expired, and still there for others.
    expire_stale_tasks(now=timezone.now() + timedelta(days=3))
    with pytest.raises(NoTaskAvailable):
        request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY).parent_message_id == root.pk


def test_skipping_a_review_or_a_ranking_counts_on_the_message():
    pending = make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
    user = UserFactory()
    skip_task(task=request_task(user=user, lang="en", task_type=TaskType.LABEL_INITIAL_PROMPT), user=user)
    pending.refresh_from_db()
    assert pending.emojis == {"_skip_labeling": 1} and pending.review_claims == 0


def test_expired_claims_free_their_slot(tree_manager):
    tree_manager(max_children_count=1)
    root = make_prompt()
    first_user = UserFactory()
    first = request_task(user=first_user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    first = acknowledge_task(task=first, user=first_user)
    with pytest.raises(NoTaskAvailable):
        request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)

    assert expire_stale_tasks(now=timezone.now() + timedelta(minutes=29)) == 0
    assert expire_stale_tasks(now=timezone.now() + timedelta(minutes=31)) == 1
    first.refresh_from_db()
    root.refresh_from_db()
    assert first.state == TaskState.EXPIRED and root.reply_claims == 0
    assert tasks.open_tasks(user=first_user).count() == 0

    # The slot is free: the late submission is still accepted...
    reply = submit_text(task=first, user=first_user, text="Late, but here.")
    root.refresh_from_db()
    assert reply.parent_id == root.pk and root.children_count == 1 and root.reply_claims == 0
    with pytest.raises(NoTaskAvailable):
        request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)


def test_a_late_submission_is_refused_once_someone_else_took_the_slot(tree_manager):
    tree_manager(max_children_count=1)
    make_prompt()
    late_user = UserFactory()
    late = request_task(user=late_user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    Task.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expire_stale_tasks()
    other = request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert other.parent_message_id == late.parent_message_id
    late.refresh_from_db()
    with pytest.raises(TaskExpired):
        submit_text(task=late, user=late_user, text="Too late.")


def test_a_reply_lease_is_renewed_while_the_page_is_open():
    make_prompt()
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    Task.objects.filter(pk=task.pk).update(expires_at=timezone.now() + timedelta(minutes=1))
    task.refresh_from_db()
    renewed = renew_task(task=task, user=user)
    assert renewed.expires_at > timezone.now() + timedelta(minutes=29)
    with pytest.raises(NotTaskOwner):
        renew_task(task=task, user=UserFactory())

    # Never beyond task_expiry_hours after the hand-out.
    Task.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(hours=47, minutes=50))
    renewed = renew_task(task=task, user=user)
    assert renewed.expires_at == renewed.created_at + timedelta(hours=48)
    Task.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(hours=49))
    with pytest.raises(TaskExpired):
        renew_task(task=task, user=user)

    expire_stale_tasks(now=timezone.now() + timedelta(days=3))
    with pytest.raises(TaskExpired):
        renew_task(task=task, user=user)


def test_acknowledge_marks_an_open_task(django_assert_num_queries):
    user = UserFactory()
    task = request_task(user=user, lang="en")
    # The first acknowledgement of an open task is a single UPDATE.
    with django_assert_num_queries(1):
        task = acknowledge_task(task=task, user=user)
    assert task.acknowledged_at is not None
    assert Task.objects.get(pk=task.pk).acknowledged_at == task.acknowledged_at
    with pytest.raises(NotTaskOwner):
        acknowledge_task(task=task, user=UserFactory())
    skip_task(task=task, user=user)
    with pytest.raises(TaskClosed):
        acknowledge_task(task=task, user=user)


@pytest.mark.parametrize("depth", [1, 2])
def test_a_review_task_shows_the_thread_down_to_the_message(depth):
    root = make_prompt()
    thread = [root]
    for level in range(1, depth + 1):
        thread.append(make_reply(thread[-1], accepted=level < depth))
    task_type = TaskType.LABEL_ASSISTANT_REPLY if depth == 1 else TaskType.LABEL_PROMPTER_REPLY
    task = request_task(user=UserFactory(), lang="en", task_type=task_type)
    assert task.message_id == thread[-1].pk
    assert task.payload["thread"] == [str(m.pk) for m in thread]


def test_locking_a_task_brings_the_callers_object_up_to_date():
    user = UserFactory()
    task = request_task(user=user, lang="en")
    Task.objects.filter(pk=task.pk).update(state=TaskState.SKIPPED)
    with transaction.atomic():
        assert lock_task(task=task, user=user) is task and task.state == TaskState.SKIPPED
        with pytest.raises(NotTaskOwner):
            lock_task(task=task, user=UserFactory())


def test_the_hand_out_runs_a_bounded_number_of_queries(django_assert_max_num_queries):
    for _ in range(5):
        root = make_prompt()
        make_reply(make_reply(root))
        make_reply(root, accepted=False)
        make_prompt(state=TreeState.INITIAL_PROMPT_REVIEW, accepted=False)
        make_ranking_tree()
    MessageFactory.create_batch(20, lang="en")
    for _ in range(10):
        user = UserFactory()
        with django_assert_max_num_queries(10):
            request_task(user=user, lang="en")
    user = UserFactory()
    with django_assert_max_num_queries(5):
        # No tree at all in that language: no candidate search, only the user's lock, the limits and the prompt
        # (and a savepoint around them, the test itself running in a transaction).
        assert request_task(user=user, lang="xx").type == TaskType.INITIAL_PROMPT


@pytest.mark.postgres
def test_many_growing_trees_are_probed_in_windows_yet_no_open_slot_is_missed():
    # 40 growing trees at their goal size and one with room: a window of TREE_WINDOW trees often misses
    # that one, and the hand-out must then look at every tree.
    for _ in range(40):
        full = make_prompt()
        MessageTree.objects.filter(pk=full.tree_id).update(goal_tree_size=1)
    open_root = make_prompt()
    for _ in range(10):
        task = request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)
        assert task.parent_message_id == open_root.pk
        skip_task(task=task, user=task.user, reason="")


@pytest.mark.postgres
def test_a_window_that_holds_every_tree_of_the_language_is_not_searched_again():
    make_ranking_tree()
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.RANK_ASSISTANT_REPLIES)
    skip_task(task=task, user=user, reason="")
    with CaptureQueriesContext(connection) as queries, pytest.raises(NoTaskAvailable):
        request_task(user=user, lang="en", task_type=TaskType.RANK_ASSISTANT_REPLIES)
    candidate_searches = [q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
    assert len(candidate_searches) == 1 and f"LIMIT {task_candidates.TREE_WINDOW}" in candidate_searches[0]


@pytest.mark.postgres
def test_a_reply_hand_out_looks_at_a_window_of_growing_trees():
    for _ in range(40):
        make_prompt()
    with CaptureQueriesContext(connection) as queries:
        request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY)
    candidate_query = next(q["sql"] for q in queries.captured_queries if "SKIP LOCKED" in q["sql"])
    assert f"LIMIT {task_candidates.TREE_WINDOW}" in candidate_query


# --- Giving back a task held, releasing, leases -------------------------------------------------------------


def open_count(user) -> int:
    return Task.objects.filter(user=user, state=TaskState.OPEN).count()


def test_asking_again_for_a_task_held_untouched_gives_it_back(tree_manager):
    tree_manager(max_pending_tasks_per_user=1)
    make_prompt()
    make_prompt()
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    acknowledge_task(task=task, user=user)
    # Shown or not, asked for by type or at random: the same task, no second claim, no pending limit.
    assert request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY) == task
    assert request_task(user=user, lang="en") == task
    assert open_count(user) == 1
    assert sorted(Message.objects.values_list("reply_claims", flat=True)) == [0, 1]
    # An empty draft does not count as work.
    save_draft(user=user, task=task, text="")
    assert request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY) == task
    # Another type, or another language, is a new request.
    with pytest.raises(TooManyPendingTasks):
        request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    with pytest.raises(TooManyPendingTasks):
        request_task(user=user, lang="de", task_type=TaskType.ASSISTANT_REPLY)


def test_a_task_with_text_or_at_the_end_of_its_lease_is_not_given_back():
    make_prompt()
    make_prompt()
    make_prompt()
    user = UserFactory()
    typed = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    save_draft(user=user, task=typed, text="Half an answer")
    second = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert second != typed and second.parent_message_id != typed.parent_message_id
    assert request_task(user=user, lang="en") == second
    Task.objects.filter(pk=second.pk).update(expires_at=timezone.now() + timedelta(seconds=30))
    third = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert third not in (typed, second)
    assert open_count(user) == 3


def test_a_prompt_is_given_back_with_its_text_when_a_prompt_is_asked_for():
    user = UserFactory()
    prompt = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    save_draft(user=user, task=prompt, text="An idea")
    assert request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT) == prompt
    # A random request gives back only untouched tasks.
    other = request_task(user=user, lang="en")
    assert other != prompt and other.type == TaskType.INITIAL_PROMPT


def test_giving_back_a_task_held_takes_few_queries(django_assert_num_queries):
    make_trees_for_every_task_type()
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.LABEL_ASSISTANT_REPLY)
    # A savepoint, the user's lock with the id of the task held, that task, the savepoint's release.
    with django_assert_num_queries(4):
        assert request_task(user=user, lang="en", task_type=TaskType.LABEL_ASSISTANT_REPLY) == task


def test_releasing_frees_every_slot_without_counting_as_a_skip(tree_manager):
    tree_manager(auto_mod_max_skip_reply=1)
    items = make_trees_for_every_task_type()
    user = UserFactory()
    types = [TaskType.ASSISTANT_REPLY, TaskType.LABEL_ASSISTANT_REPLY, TaskType.RANK_ASSISTANT_REPLIES]
    tasks = [request_task(user=user, lang="en", task_type=task_type) for task_type in types]
    prompt = request_task(user=user, lang="en", task_type=TaskType.INITIAL_PROMPT)
    done = request_task(user=user, lang="en", task_type=TaskType.PROMPTER_REPLY)
    submit_text(task=done, user=user, text="A follow-up question?")

    assert release_open_tasks(user=user) == 4
    assert release_open_tasks(user=user) == 0
    assert set(Task.objects.filter(user=user).values_list("state", flat=True)) == {TaskState.EXPIRED, TaskState.DONE}
    assert Task.objects.get(pk=prompt.pk).closed_at is not None
    for task_type in types:
        item = Message.objects.get(pk=items[task_type].pk)
        assert (item.reply_claims, item.review_claims, item.ranking_claims) == (0, 0, 0)
        assert item.emojis == {}
    tree = MessageTree.objects.get(pk=items[TaskType.ASSISTANT_REPLY].tree_id)
    assert tree.state == TreeState.GROWING
    # Not hidden for good: the same items may come back to the user.
    assert task_candidates.reply_parents(user=user, lang="en").filter(pk=tasks[0].parent_message_id).exists()
    assert task_candidates.review_messages(user=user, lang="en").filter(pk=tasks[1].message_id).exists()
    assert task_candidates.ranking_parents(user=user, lang="en").filter(pk=tasks[2].parent_message_id).exists()


def test_releasing_one_task_leaves_the_others_and_closed_tasks_alone():
    make_trees_for_every_task_type()
    user = UserFactory()
    reply = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    review = request_task(user=user, lang="en", task_type=TaskType.LABEL_ASSISTANT_REPLY)
    released = release_task(task=reply, user=user)
    assert released.state == TaskState.EXPIRED and reply.state == TaskState.EXPIRED
    assert Message.objects.get(pk=reply.parent_message_id).reply_claims == 0
    assert Task.objects.get(pk=review.pk).state == TaskState.OPEN
    skip_task(task=review, user=user)
    assert release_task(task=review, user=user).state == TaskState.SKIPPED
    with pytest.raises(NotTaskOwner):
        release_task(task=review, user=UserFactory())


def test_a_task_not_yet_shown_holds_its_slot_only_briefly(tree_manager):
    tree_manager(max_children_count=1)
    root = make_prompt()
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    assert task.acknowledged_at is None
    assert expire_stale_tasks(now=timezone.now() + timedelta(minutes=14)) == 0
    assert expire_stale_tasks(now=timezone.now() + timedelta(minutes=16)) == 1
    root.refresh_from_db()
    assert root.reply_claims == 0
    assert request_task(user=UserFactory(), lang="en", task_type=TaskType.ASSISTANT_REPLY).parent_message_id == root.pk


def test_review_and_ranking_tasks_have_a_renewable_lease():
    make_trees_for_every_task_type()
    user = UserFactory()
    for task_type in (TaskType.LABEL_ASSISTANT_REPLY, TaskType.RANK_ASSISTANT_REPLIES):
        task = request_task(user=user, lang="en", task_type=task_type)
        task = acknowledge_task(task=task, user=user)
        assert task.expires_at - task.acknowledged_at == timedelta(minutes=60)
        Task.objects.filter(pk=task.pk).update(expires_at=timezone.now() + timedelta(minutes=1))
        renewed = renew_task(task=task, user=user)
        assert timedelta(minutes=59) < renewed.expires_at - timezone.now() <= timedelta(minutes=60)
        # The hard end stays.
        Task.objects.filter(pk=task.pk).update(created_at=timezone.now() - timedelta(hours=47, minutes=30))
        renewed = renew_task(task=task, user=user)
        assert renewed.expires_at == renewed.created_at + timedelta(hours=48)
        release_task(task=task, user=user)


def test_a_renewal_says_the_task_is_shown():
    make_prompt()
    user = UserFactory()
    task = request_task(user=user, lang="en", task_type=TaskType.ASSISTANT_REPLY)
    renewed = renew_task(task=task, user=user)
    assert renewed.acknowledged_at is not None
    assert timedelta(minutes=29) < renewed.expires_at - timezone.now() <= timedelta(minutes=30)
