from django.urls import path

from moderation.views import audit_log, trollboard, users

app_name = "moderation"

urlpatterns = [
    path("trollboard/", trollboard.trollboard, name="trollboard"),
    path("audit/", audit_log.audit_log, name="audit_log"),
    path("users/<uuid:user_id>/", users.user_page, name="user"),
    path("users/<uuid:user_id>/ban/", users.user_ban, name="user_ban"),
    path("users/<uuid:user_id>/unban/", users.user_unban, name="user_unban"),
    path("users/<uuid:user_id>/note/", users.user_note, name="user_note"),
    path("users/<uuid:user_id>/purge/preview/", users.user_purge_preview, name="user_purge_preview"),
    path("users/<uuid:user_id>/purge/", users.user_purge, name="user_purge"),
]
