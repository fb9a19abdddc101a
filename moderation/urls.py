from django.urls import path

from moderation.views import audit_log, flag_queue, trollboard, users

app_name = "moderation"

urlpatterns = [
    path("trollboard/", trollboard.trollboard, name="trollboard"),
    path("audit/", audit_log.audit_log, name="audit_log"),
    path("users/<uuid:user_id>/", users.user_page, name="user"),
    path("users/<uuid:user_id>/ban/", users.user_ban, name="user_ban"),
    path("users/<uuid:user_id>/unban/", users.user_unban, name="user_unban"),
    path("users/<uuid:user_id>/note/", users.user_note, name="user_note"),
    path(
        "users/<uuid:user_id>/leaderboard/",
        users.user_leaderboard_visibility,
        name="user_leaderboard_visibility",
    ),
    path("users/<uuid:user_id>/purge/preview/", users.user_purge_preview, name="user_purge_preview"),
    path("users/<uuid:user_id>/purge/", users.user_purge, name="user_purge"),
    path("queue/", flag_queue.flag_queue, name="flag_queue"),
    path("queue/<uuid:message_id>/dismiss/", flag_queue.dismiss, name="flag_dismiss"),
    path("queue/<uuid:message_id>/hide/", flag_queue.hide, name="flag_hide"),
    path("queue/<uuid:message_id>/restore/", flag_queue.restore, name="flag_restore"),
    path("queue/<uuid:message_id>/edit/", flag_queue.edit, name="flag_edit"),
    path("queue/<uuid:message_id>/reviews/", flag_queue.reviews, name="flag_reviews"),
    path("queue/<uuid:message_id>/halt/", flag_queue.halt, name="flag_halt"),
    path("queue/<uuid:message_id>/resume/", flag_queue.resume, name="flag_resume"),
]
