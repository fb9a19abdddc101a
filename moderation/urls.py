from django.urls import path

from moderation.views import audit_log, trollboard

app_name = "moderation"

urlpatterns = [
    path("trollboard/", trollboard.trollboard, name="trollboard"),
    path("audit/", audit_log.audit_log, name="audit_log"),
]
