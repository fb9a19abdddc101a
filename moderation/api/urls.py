from django.urls import path

from moderation.api import views

app_name = "moderation-api"

urlpatterns = [
    path("trollboard/", views.TrollboardView.as_view(), name="trollboard"),
    path("queue/", views.FlagQueueView.as_view(), name="flag-queue"),
    path("queue/<uuid:message_id>/", views.FlagQueueItemView.as_view(), name="flag-queue-item"),
    path("actions/", views.AuditLogView.as_view(), name="audit-log"),
    # Actions on messages and trees
    path("messages/<uuid:message_id>/hide/", views.MessageHideView.as_view(), name="message-hide"),
    path("messages/<uuid:message_id>/restore/", views.MessageRestoreView.as_view(), name="message-restore"),
    path("messages/<uuid:message_id>/edit/", views.MessageEditView.as_view(), name="message-edit"),
    path(
        "messages/<uuid:message_id>/dismiss-flags/",
        views.MessageDismissFlagsView.as_view(),
        name="message-dismiss-flags",
    ),
    path("trees/<uuid:tree_id>/halt/", views.TreeHaltView.as_view(), name="tree-halt"),
    path("trees/<uuid:tree_id>/resume/", views.TreeResumeView.as_view(), name="tree-resume"),
    # Users
    path("users/<uuid:user_id>/", views.UserDetailView.as_view(), name="user"),
    path("users/<uuid:user_id>/ban/", views.UserBanView.as_view(), name="user-ban"),
    path("users/<uuid:user_id>/unban/", views.UserUnbanView.as_view(), name="user-unban"),
    path("users/<uuid:user_id>/notes/", views.UserNoteView.as_view(), name="user-notes"),
    path(
        "users/<uuid:user_id>/leaderboard/",
        views.UserLeaderboardVisibilityView.as_view(),
        name="user-leaderboard-visibility",
    ),
    path("users/<uuid:user_id>/purge-preview/", views.UserPurgePreviewView.as_view(), name="user-purge-preview"),
    path("users/<uuid:user_id>/purge/", views.UserPurgeView.as_view(), name="user-purge"),
]
