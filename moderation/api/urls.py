from django.urls import path

from moderation.api import views

app_name = "moderation-api"

urlpatterns = [
    path("trollboard/", views.TrollboardView.as_view(), name="trollboard"),
    path("actions/", views.AuditLogView.as_view(), name="audit-log"),
]
