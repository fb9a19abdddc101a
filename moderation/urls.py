from django.urls import path

from moderation.views import trollboard

app_name = "moderation"

urlpatterns = [
    path("trollboard/", trollboard.trollboard, name="trollboard"),
]
