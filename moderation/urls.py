from django.urls import path  # noqa: F401 (the moderation pages add their paths here)

app_name = "moderation"

urlpatterns: list = []
