"""Endpoints served only by bench/request_cost.py's server: the least an authenticated API request can do.

They go through the same middleware and REST framework machinery as the API's views; the project's URLs
follow them (the bench's floor is GET /api/v1/health/).
"""

import json
import uuid
from datetime import timedelta

import psycopg
from django.conf import settings
from django.core import signing
from django.db import connection
from django.urls import path
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import CanUseApi
from annotation.selectors import TREE_WINDOW
from oasst.urls import urlpatterns as project_urlpatterns

WRITE = "UPDATE accounts_user SET last_login = now() WHERE id = %s"


class SignedTokenAuthentication(BaseAuthentication):
    """A token that carries the user's id under the server's signature (``signing.Signer``, its default salt):
    no query at all. Whether the user is still enabled is left to the request's own statement."""

    def authenticate(self, request: Request) -> tuple[User, None] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0] != b"Token":
            return None
        try:
            user_id = signing.Signer().unsign_object(parts[1].decode())
        except signing.BadSignature:
            raise exceptions.AuthenticationFailed() from None
        return User(pk=user_id, enabled=True), None

    def authenticate_header(self, request: Request) -> str:
        return "Token"


class TokenNoop(APIView):
    """The API's authentication (a personal token: one query) and permission check, then nothing."""

    permission_classes = [CanUseApi]

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


class TokenWrite(TokenNoop):
    """The API's authentication, then the cheapest write: one row by primary key, in one statement."""

    def post(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute(f"{WRITE} RETURNING id", [request.user.pk])
            (user_id,) = cursor.fetchone()
        return Response({"user": user_id})


class SignedTokenView(APIView):
    """A view authenticated by a signed token: its statements check that the user is enabled."""

    authentication_classes = [SignedTokenAuthentication]
    permission_classes = [CanUseApi]


class SignedTokenNoop(SignedTokenView, TokenNoop):
    """A signed token, then nothing."""


class SignedTokenWrite(SignedTokenView):
    """A signed token, then the same write, whose statement also checks that the user is enabled."""

    def post(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute(f"{WRITE} AND enabled RETURNING id", [request.user.pk])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.PermissionDenied()
        return Response({"user": row[0]})


# The least a volunteer's cycle can be: a reply task handed out, acknowledged and submitted, each in one
# prepared statement that also checks that the user is enabled. The bare cycle leaves out what else the
# engine checks and shows; the checked cycle adds SPEC 3's checks of a reply task (pending and rate limits
# under the user's lock, the tree's goal size, the thread shown; at submission the tree still growing, the
# parent still open, no earlier reply by the user, no duplicate text, the reply rate).
def _handout_sql(*, checked: bool) -> str:
    limits = """
      AND (SELECT count(*) FROM annotation_task WHERE user_id = %(user)s AND state = 'open' AND expires_at > now())
          < %(max_pending)s
      AND (SELECT count(*) FROM annotation_task WHERE user_id = %(user)s AND created_at >= now() - %(rate_window)s)
          < %(rate_limit)s
    FOR NO KEY UPDATE"""
    # Per tree of the window, as the engine does it (selectors.growing_trees_with_room).
    goal_size = """
    WHERE (SELECT count(*) + coalesce(sum(x.reply_claims), 0) FROM annotation_message x
           WHERE x.tree_id = w.id AND NOT x.deleted AND x.review_result IS DISTINCT FROM false)
          < (SELECT goal_tree_size FROM annotation_messagetree WHERE id = w.id)"""
    thread = """,
thread AS (
    SELECT id, parent_id, depth FROM annotation_message WHERE id = (SELECT id FROM claim)
    UNION ALL
    SELECT m.id, m.parent_id, m.depth FROM annotation_message m JOIN thread ON m.id = thread.parent_id
)"""
    payload = "jsonb_build_object('thread', (SELECT jsonb_agg(id ORDER BY depth) FROM thread))"
    return f"""
WITH RECURSIVE me AS (SELECT id FROM accounts_user WHERE id = %(user)s AND enabled {limits if checked else ""}),
window_trees AS (
    SELECT id FROM (
        (SELECT id FROM annotation_messagetree WHERE state = 'growing' AND lang = %(lang)s AND id >= %(around)s
         ORDER BY id LIMIT %(window)s)
        UNION ALL
        (SELECT id FROM annotation_messagetree WHERE state = 'growing' AND lang = %(lang)s AND id < %(around)s
         ORDER BY id LIMIT %(window)s)
        LIMIT %(window)s
    ) w {goal_size if checked else ""}
),
parent AS (
    SELECT m.id, m.tree_id, m.role FROM annotation_message m JOIN annotation_messagetree t ON t.id = m.tree_id
    WHERE m.tree_id IN (SELECT id FROM window_trees) AND m.review_result AND NOT m.deleted AND m.depth < t.max_depth
      AND m.children_count + m.reply_claims
          < CASE WHEN m.role = 'prompter' THEN t.max_children_count ELSE %(prompter_replies)s END
      AND m.author_id IS DISTINCT FROM %(user)s
      AND NOT EXISTS (SELECT 1 FROM annotation_message c WHERE c.parent_id = m.id AND c.author_id = %(user)s)
      AND NOT EXISTS (
          SELECT 1 FROM annotation_task k WHERE k.parent_message_id = m.id AND k.user_id = %(user)s
          AND k.state IN ('open', 'skipped'))
      AND EXISTS (SELECT 1 FROM me)
    ORDER BY random() LIMIT 1
    FOR UPDATE OF m SKIP LOCKED
),
claim AS (
    UPDATE annotation_message m SET reply_claims = m.reply_claims + 1 FROM parent WHERE m.id = parent.id
    RETURNING m.id, m.tree_id, m.role
){thread if checked else ""}
INSERT INTO annotation_task (id, type, state, user_id, lang, tree_id, parent_message_id, payload, created_at,
                             expires_at, skip_reason)
SELECT gen_random_uuid(), CASE WHEN role = 'prompter' THEN 'assistant_reply' ELSE 'prompter_reply' END, 'open',
       %(user)s, %(lang)s, tree_id, id, {payload if checked else "'{}'"}, now(), now() + interval '1 hour', ''
FROM claim
RETURNING id, type, parent_message_id, payload
"""


def _submit_sql(*, checked: bool) -> str:
    checks = """
      AND EXISTS (
          SELECT 1 FROM annotation_message p JOIN annotation_messagetree t ON t.id = p.tree_id
          WHERE p.id = annotation_task.parent_message_id AND t.state = 'growing' AND NOT p.deleted AND p.review_result)
      AND NOT EXISTS (
          SELECT 1 FROM annotation_message c WHERE c.parent_id = annotation_task.parent_message_id
          AND c.author_id = %(user)s)
      AND NOT EXISTS (
          SELECT 1 FROM annotation_message d WHERE d.author_id = %(user)s AND d.created_at >= now() - %(dup_window)s
          AND d.text = %(text)s)
      AND (SELECT count(*) FROM annotation_message r WHERE r.author_id = %(user)s
           AND r.created_at >= now() - %(reply_window)s AND r.parent_id IS NOT NULL
           AND r.role = CASE annotation_task.type WHEN 'assistant_reply' THEN 'assistant' ELSE 'prompter' END)
          < %(reply_limit)s"""
    return f"""
WITH done AS (
    UPDATE annotation_task
    SET state = 'done', closed_at = now(), result = jsonb_build_object('message_id', %(message)s::text),
        result_message_id = %(message)s
    WHERE id = %(task)s AND user_id = %(user)s AND state = 'open'
      AND EXISTS (SELECT 1 FROM accounts_user WHERE id = %(user)s AND enabled) {checks if checked else ""}
    RETURNING parent_message_id
),
parent AS (
    UPDATE annotation_message m
    SET children_count = m.children_count + 1, reply_claims = greatest(m.reply_claims - 1, 0)
    FROM done WHERE m.id = done.parent_message_id
    RETURNING m.id, m.tree_id, m.role, m.lang, m.depth
)
INSERT INTO annotation_message (id, tree_id, parent_id, author_id, role, lang, text, depth, created_at,
    review_count, ranking_count, children_count, reply_claims, review_claims, ranking_claims, deleted,
    synthetic, model_name, emojis, labels, extra)
SELECT %(message)s, tree_id, id, %(user)s, CASE WHEN role = 'prompter' THEN 'assistant' ELSE 'prompter' END,
       lang, %(text)s, depth + 1, now(), 0, 0, 0, 0, 0, 0, false, false, '', '{{}}', '{{}}', '{{}}'
FROM parent
RETURNING id
"""


HANDOUT_SQL = {checked: _handout_sql(checked=checked) for checked in (False, True)}
SUBMIT_SQL = {checked: _submit_sql(checked=checked) for checked in (False, True)}
CYCLE_ACK = """
UPDATE annotation_task SET acknowledged_at = now()
WHERE id = %(task)s AND user_id = %(user)s AND state = 'open' AND acknowledged_at IS NULL
  AND EXISTS (SELECT 1 FROM accounts_user WHERE id = %(user)s AND enabled)
RETURNING id
"""


def _one_row(sql: str, params: dict) -> tuple | None:
    """Run a prepared statement: server-side binding (Django's cursors bind on the client, which psycopg cannot
    prepare), planned once per connection."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()


class BareHandout(SignedTokenView):
    checked = False

    def post(self, request: Request) -> Response:
        cfg = settings.TREE_MANAGER
        params = {
            "user": request.user.pk,
            "lang": request.data.get("lang", "en"),
            "around": uuid.uuid4(),
            "window": TREE_WINDOW,
            "prompter_replies": cfg.num_prompter_replies,
        }
        if self.checked:
            params.update(
                max_pending=cfg.max_pending_tasks_per_user,
                rate_limit=cfg.rate_limit_task_requests,
                rate_window=timedelta(minutes=cfg.rate_limit_task_requests_minutes),
            )
        row = _one_row(HANDOUT_SQL[self.checked], params)
        if row is None:
            return Response({"error_code": "no_task_available"}, status=503)
        return Response({"id": row[0], "type": row[1], "parent_message_id": row[2], **json.loads(row[3])}, status=201)


class CheckedHandout(BareHandout):
    checked = True


class CycleAck(SignedTokenView):
    def post(self, request: Request, task_id: uuid.UUID) -> Response:
        if _one_row(CYCLE_ACK, {"task": task_id, "user": request.user.pk}) is None:
            raise exceptions.NotFound()
        return Response({"id": task_id})


class BareSubmit(SignedTokenView):
    checked = False

    def post(self, request: Request, task_id: uuid.UUID) -> Response:
        cfg = settings.TREE_MANAGER
        params = {"task": task_id, "user": request.user.pk, "message": uuid.uuid4(), "text": request.data["text"]}
        if self.checked:
            # Assistant replies have the stricter limit; a probe need not tell the two roles apart.
            params.update(
                dup_window=timedelta(hours=cfg.duplicate_text_window_hours),
                reply_window=timedelta(minutes=cfg.rate_limit_assistant_replies_minutes),
                reply_limit=cfg.rate_limit_assistant_replies,
            )
        row = _one_row(SUBMIT_SQL[self.checked], params)
        if row is None:
            raise exceptions.NotFound()
        return Response({"message_id": row[0]}, status=201)


class CheckedSubmit(BareSubmit):
    checked = True


urlpatterns = [
    path("probe/token-noop/", TokenNoop.as_view()),
    path("probe/token-write/", TokenWrite.as_view()),
    path("probe/signed-noop/", SignedTokenNoop.as_view()),
    path("probe/signed-write/", SignedTokenWrite.as_view()),
    path("probe/bare-handout/", BareHandout.as_view()),
    path("probe/cycle-ack/<uuid:task_id>/", CycleAck.as_view()),
    path("probe/bare-submit/<uuid:task_id>/", BareSubmit.as_view()),
    path("probe/checked-handout/", CheckedHandout.as_view()),
    path("probe/checked-submit/<uuid:task_id>/", CheckedSubmit.as_view()),
    *project_urlpatterns,
]
