from django.urls import path

from exports import release_views, views

app_name = "exports"

urlpatterns = [
    path("", views.datasets, name="datasets"),
    path("jobs/<uuid:job_id>/", views.job_row, name="dataset_job"),
    path("jobs/<uuid:job_id>/download/", views.job_download, name="dataset_download"),
    path("releases/", release_views.release_list, name="releases"),
    path("releases/new/", release_views.release_request, name="release_request"),
    path("releases/<uuid:release_id>/", release_views.release_detail, name="release"),
    path("releases/<uuid:release_id>/publish/", release_views.release_publish, name="release_publish"),
    # README.md, plots/<name>.png and the data files: the card's relative links and images resolve here.
    path("releases/<uuid:release_id>/<path:name>", release_views.release_file, name="release_file"),
]
