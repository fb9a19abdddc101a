from django.urls import path

from exports import views

urlpatterns = [
    path("datasets/", views.datasets, name="datasets"),
    path("datasets/jobs/<uuid:job_id>/", views.job_row, name="dataset_job"),
    path("datasets/jobs/<uuid:job_id>/download/", views.job_download, name="dataset_download"),
]
