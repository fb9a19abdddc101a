from django.urls import path

from accounts import views

urlpatterns = [
    path("terms/", views.terms, name="terms"),
    path("theme/", views.theme, name="set_theme"),
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.api_token, name="api_token"),
    path("profile/researcher/", views.researcher_request, name="researcher_request"),
    path("profile/delete/", views.account_delete, name="account_delete"),
]
