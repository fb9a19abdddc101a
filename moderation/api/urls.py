from django.urls import path  # noqa: F401 (the moderation endpoints add their paths here)

app_name = "moderation-api"

urlpatterns: list = []
