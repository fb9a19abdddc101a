from django.urls import path

from exports.api import views

app_name = "exports-api"

urlpatterns = [
    path("exports/", views.ExportListView.as_view(), name="exports"),
    path("exports/<uuid:job_id>/", views.ExportDetailView.as_view(), name="export"),
    path("exports/<uuid:job_id>/download/", views.ExportDownloadView.as_view(), name="export-download"),
    path("releases/", views.ReleaseListView.as_view(), name="releases"),
]
