"""The REST API (/api/v1/): parse the request, call a service or selector, serialize the result."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.languages import task_language
from accounts.models import TimeFrame
from accounts.selectors import user_stats
from annotation.api import serializers as s
from annotation.models import REVIEW_TASK_TYPES, Message, Task
from annotation.selectors import task_candidates, tasks, threads
from annotation.services import reactions, submissions, task_handout
from core.api.schema import responses
from core.api.views import ApiView, validated


def _messages_data(request: Request, messages: list[Message]) -> list[dict]:
    return s.MessageSerializer(messages, many=True, context={"request": request}).data


def _message_data(request: Request, message: Message) -> dict:
    return s.MessageSerializer(message, context={"request": request}).data


def _task_data(request: Request, task: Task) -> dict:
    thread, replies = tasks.task_messages(task=task)
    return s.TaskSerializer(task, context={"request": request, "thread": thread, "replies": replies}).data


# --- Health ---------------------------------------------------------------------------------


class HealthView(ApiView):
    """Liveness: answers without touching the database."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.HealthSerializer}, auth=[], tags=["health"])
    def get(self, request: Request) -> Response:
        return Response({"ok": True})


# --- Tasks ----------------------------------------------------------------------------------


class TaskListView(ApiView):
    @extend_schema(
        summary="Request a task",
        description="Hands out a task of the given type (or a weighted random one) in a language. "
        "The task claims its slot until it is submitted, skipped, released or expires: for "
        "`unacknowledged_task_minutes` until it is acknowledged, then for its kind's lease. "
        "If the user already holds an open, untouched task of that type (any type for random) in that "
        "language (nothing submitted, no draft text; an initial prompt is given back even with a draft), "
        "that task is returned instead of a new one.",
        request=s.TaskRequestSerializer,
        responses=responses(s.TaskSerializer, 201),
        tags=["tasks"],
    )
    def post(self, request: Request) -> Response:
        data = validated(s.TaskRequestSerializer, request.data)
        task_type = None if data["type"] == s.RANDOM else data["type"]
        task = task_handout.request_task(
            user=request.user,
            lang=task_language(request.user, data.get("lang"), any_language=True),
            task_type=task_type,
        )
        return Response(_task_data(request, task), status=status.HTTP_201_CREATED)

    @extend_schema(summary="My open tasks", responses=responses(s.TaskSerializer(many=True)), tags=["tasks"])
    def get(self, request: Request) -> Response:
        return Response([_task_data(request, t) for t in tasks.open_tasks(user=request.user)])


class TaskAvailabilityView(ApiView):
    @extend_schema(
        summary="Tasks available per type",
        parameters=[s.AvailabilityQuerySerializer],
        responses=responses(OpenApiResponse(OpenApiTypes.OBJECT, description="Task type -> number of candidates.")),
        tags=["tasks"],
    )
    def get(self, request: Request) -> Response:
        data = validated(s.AvailabilityQuerySerializer, request.query_params)
        lang = task_language(request.user, data.get("lang"), any_language=True)
        return Response(task_candidates.task_availability(user=request.user, lang=lang))


class TaskDetailView(ApiView):
    @extend_schema(summary="One of my tasks", responses=responses(s.TaskSerializer), tags=["tasks"])
    def get(self, request: Request, task_id: str) -> Response:
        return Response(_task_data(request, tasks.get_task(user=request.user, task_id=task_id)))


class TaskAckView(ApiView):
    @extend_schema(
        summary="Acknowledge a task",
        description="Says the task is being shown; its short first lease becomes its kind's lease (reply "
        "tasks `reply_task_lease_minutes`, review and ranking tasks `review_task_lease_minutes`, initial "
        "prompts until the hard end).",
        request=None,
        responses=responses(s.TaskSerializer),
        tags=["tasks"],
    )
    def post(self, request: Request, task_id: str) -> Response:
        task = tasks.get_task(user=request.user, task_id=task_id)
        return Response(_task_data(request, task_handout.acknowledge_task(task=task, user=request.user)))


class TaskRenewView(ApiView):
    @extend_schema(
        summary="Renew a task's lease",
        description="Keeps the slot while the volunteer is still at the task (any kind; up to "
        "`task_expiry_hours` after the hand-out). Renewing also acknowledges the task.",
        request=None,
        responses=responses(s.TaskSerializer),
        tags=["tasks"],
    )
    def post(self, request: Request, task_id: str) -> Response:
        task = tasks.get_task(user=request.user, task_id=task_id)
        return Response(_task_data(request, task_handout.renew_task(task=task, user=request.user)))


class TaskSkipView(ApiView):
    @extend_schema(
        summary="Skip a task",
        description="Frees the slot; the item is not offered to this user again.",
        request=s.SkipSerializer,
        responses=responses(s.TaskSerializer),
        tags=["tasks"],
    )
    def post(self, request: Request, task_id: str) -> Response:
        data = validated(s.SkipSerializer, request.data)
        task = tasks.get_task(user=request.user, task_id=task_id)
        task = task_handout.skip_task(task=task, user=request.user, reason=data["reason"])
        return Response(_task_data(request, task))


class TaskReleaseView(ApiView):
    @extend_schema(
        summary="Release a task",
        description="Gives an open task back without penalty: its slot is freed and it is closed as expired. "
        "It does not count as a skip and the item may be offered to the user again. A closed task is "
        "returned unchanged.",
        request=None,
        responses=responses(s.TaskSerializer),
        tags=["tasks"],
    )
    def post(self, request: Request, task_id: str) -> Response:
        task = tasks.get_task(user=request.user, task_id=task_id)
        return Response(_task_data(request, task_handout.release_task(task=task, user=request.user)))


class TaskReleaseAllView(ApiView):
    @extend_schema(
        summary="Release all my open tasks",
        operation_id="v1_tasks_release_all",
        description="Releases every open task of the user, as the release of one task does.",
        request=None,
        responses=responses(s.ReleasedSerializer),
        tags=["tasks"],
    )
    def post(self, request: Request) -> Response:
        return Response({"released": task_handout.release_open_tasks(user=request.user)})


class TaskSubmitView(ApiView):
    @extend_schema(
        summary="Submit a task",
        description="The body depends on the task's type: `{text, lang?}` for initial_prompt, prompter_reply and "
        "assistant_reply; `{values, comment?}` for the label_* tasks; `{ranking | not_rankable}` for the rank_* "
        "tasks. A retried submission of a done task returns the first result.",
        request=PolymorphicProxySerializer(
            component_name="TaskSubmission",
            serializers=[s.TextSubmissionSerializer, s.ReviewSubmissionSerializer, s.RankingSubmissionSerializer],
            resource_type_field_name=None,
        ),
        responses=responses(s.SubmissionResultSerializer, 201),
        tags=["tasks"],
    )
    def post(self, request: Request, task_id: str) -> Response:
        user = request.user
        task = tasks.get_task(user=user, task_id=task_id)
        result: dict = {"message": None, "review": None, "ranking": None}
        if task.type in submissions.TEXT_TASK_TYPES:
            data = validated(s.TextSubmissionSerializer, request.data)
            message = submissions.submit_text(task=task, user=user, text=data["text"], lang=data.get("lang"))
            result["message"] = _message_data(request, message)
        elif task.type in REVIEW_TASK_TYPES:
            data = validated(s.ReviewSubmissionSerializer, request.data)
            review = submissions.submit_review(task=task, user=user, values=data["values"], comment=data["comment"])
            result["review"] = s.ReviewSerializer(review).data
        else:
            data = validated(s.RankingSubmissionSerializer, request.data)
            ranking = [str(i) for i in data.get("ranking") or []] or None
            submitted = submissions.submit_ranking(
                task=task, user=user, ranking=ranking, not_rankable=data["not_rankable"]
            )
            result["ranking"] = s.RankingSerializer(submitted).data
        # The services locked ``task`` and brought it up to date (task_handout.lock_task).
        return Response({"task": _task_data(request, task), **result}, status=status.HTTP_201_CREATED)


# --- Messages -------------------------------------------------------------------------------


def _thread(request: Request, message_id: str) -> tuple[list[Message], list[Message]]:
    """Root .. message and the message's replies, as the user may see them (hidden ones: moderators only)."""
    return threads.thread_view(message_id=message_id, viewer=request.user)


class MessageView(ApiView):
    @extend_schema(summary="A message", responses=responses(s.MessageSerializer), tags=["messages"])
    def get(self, request: Request, message_id: str) -> Response:
        thread = _thread(request, message_id)[0]
        return Response(_message_data(request, thread[-1]))

    @extend_schema(
        summary="Edit my message",
        description="Only the author, and only while nobody has reviewed it; the old text is kept as a revision.",
        request=s.MessageEditSerializer,
        responses=responses(s.MessageSerializer),
        tags=["messages"],
    )
    def patch(self, request: Request, message_id: str) -> Response:
        data = validated(s.MessageEditSerializer, request.data)
        message = threads.visible_message(message_id=message_id, viewer=request.user)
        message = reactions.edit_own_message(user=request.user, message=message, text=data["text"])
        return Response(_message_data(request, message))


class MessageThreadView(ApiView):
    @extend_schema(
        summary="A message's thread",
        description="From the root to the message, oldest first.",
        responses=responses(s.MessageSerializer(many=True)),
        tags=["messages"],
    )
    def get(self, request: Request, message_id: str) -> Response:
        thread = _thread(request, message_id)[0]
        return Response(_messages_data(request, thread))


class MessageChildrenView(ApiView):
    @extend_schema(
        summary="A message's replies",
        description="Best ranked first, then oldest first.",
        responses=responses(s.MessageSerializer(many=True)),
        tags=["messages"],
    )
    def get(self, request: Request, message_id: str) -> Response:
        children = _thread(request, message_id)[1]
        return Response(_messages_data(request, children))


class MessageTreeView(ApiView):
    @extend_schema(
        summary="The tree a message belongs to",
        description="Every message of the tree the user may see, as a flat list: parents before their replies, "
        "level by level (each message's parent_id names one earlier in the list).",
        responses=responses(s.MessageSerializer(many=True)),
        tags=["messages"],
    )
    def get(self, request: Request, message_id: str) -> Response:
        message = _thread(request, message_id)[0][-1]
        root = threads.tree_view(tree_id=message.tree_id, viewer=request.user)[1]
        return Response(_messages_data(request, threads.flatten(root)))


class MessageEmojiView(ApiView):
    @extend_schema(
        summary="Set or remove an emoji reaction",
        description="+1 and -1 exclude each other and are not allowed on one's own message; red_flag also puts the "
        "message in the moderation queue.",
        request=s.EmojiSerializer,
        responses=responses(s.EmojiCountsSerializer),
        tags=["messages"],
    )
    def post(self, request: Request, message_id: str) -> Response:
        data = validated(s.EmojiSerializer, request.data)
        message = threads.visible_message(message_id=message_id, viewer=request.user)
        counts = reactions.set_emoji(user=request.user, message=message, emoji=data["emoji"], on=data["on"])
        mine = threads.visible_message(message_id=message_id, viewer=request.user).my_reactions
        return Response({"emojis": counts, "user_emojis": sorted(mine)})


class MessageReportView(ApiView):
    @extend_schema(
        summary="Report a message",
        description="Labels and a reason; the message goes to the moderation queue.",
        request=s.ReportRequestSerializer,
        responses=responses(s.ReportSerializer, 201),
        tags=["messages"],
    )
    def post(self, request: Request, message_id: str) -> Response:
        data = validated(s.ReportRequestSerializer, request.data)
        message = threads.visible_message(message_id=message_id, viewer=request.user)
        report = reactions.report_message(user=request.user, message=message, **data)
        return Response(s.ReportSerializer(report).data, status=status.HTTP_201_CREATED)


# --- The current user -----------------------------------------------------------------------


class MyStatsView(ApiView):
    @extend_schema(summary="My points and streak", responses=responses(s.MyStatsSerializer), tags=["me"])
    def get(self, request: Request) -> Response:
        frames = user_stats(user=request.user)
        return Response(
            {
                "streak_days": request.user.streak_days,
                "frames": {
                    frame: s.UserStatsSerializer(frames[frame]).data if frames.get(frame) else None
                    for frame in TimeFrame.values
                },
            }
        )
