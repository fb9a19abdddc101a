from django.urls import path

from annotation.api import views

app_name = "api"

urlpatterns = [
    path("health/", views.HealthView.as_view(), name="health"),
    path("tasks/", views.TaskListView.as_view(), name="tasks"),
    path("tasks/availability/", views.TaskAvailabilityView.as_view(), name="task-availability"),
    path("tasks/release/", views.TaskReleaseAllView.as_view(), name="tasks-release"),
    path("tasks/<uuid:task_id>/", views.TaskDetailView.as_view(), name="task"),
    path("tasks/<uuid:task_id>/ack/", views.TaskAckView.as_view(), name="task-ack"),
    path("tasks/<uuid:task_id>/renew/", views.TaskRenewView.as_view(), name="task-renew"),
    path("tasks/<uuid:task_id>/skip/", views.TaskSkipView.as_view(), name="task-skip"),
    path("tasks/<uuid:task_id>/release/", views.TaskReleaseView.as_view(), name="task-release"),
    path("tasks/<uuid:task_id>/submit/", views.TaskSubmitView.as_view(), name="task-submit"),
    path("messages/<uuid:message_id>/", views.MessageView.as_view(), name="message"),
    path("messages/<uuid:message_id>/thread/", views.MessageThreadView.as_view(), name="message-thread"),
    path("messages/<uuid:message_id>/tree/", views.MessageTreeView.as_view(), name="message-tree"),
    path("messages/<uuid:message_id>/children/", views.MessageChildrenView.as_view(), name="message-children"),
    path("messages/<uuid:message_id>/emojis/", views.MessageEmojiView.as_view(), name="message-emojis"),
    path("messages/<uuid:message_id>/reports/", views.MessageReportView.as_view(), name="message-reports"),
    path("me/stats/", views.MyStatsView.as_view(), name="my-stats"),
]
