from django.urls import path

from moderation.views import audit_log

app_name = "moderation"

urlpatterns = [
    path("audit/", audit_log.audit_log, name="audit_log"),
]
