from django.urls import path

from stats import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("stats/", views.my_stats, name="my_stats"),
    path("my/goal/", views.daily_goal, name="daily_goal"),
    path("my/done/<uuid:task_id>/", views.task_done, name="task_done"),
]
