from django.urls import path

from exports import release_views

app_name = "exports"

urlpatterns = [
    path("releases/", release_views.release_list, name="releases"),
    path("releases/<uuid:release_id>/", release_views.release_detail, name="release"),
    path("releases/<uuid:release_id>/publish/", release_views.release_publish, name="release_publish"),
    # README.md, plots/<name>.png and the data files: the card's relative links and images resolve here.
    path("releases/<uuid:release_id>/<path:name>", release_views.release_file, name="release_file"),
]
