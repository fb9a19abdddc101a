from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import health, metrics
from core.api.errors import not_found

urlpatterns = [
    # For load balancers and orchestrators (README, "Operations"); no login, no session.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its start-up script from a URL instead of an inline <script> (no inline code: the CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("api/v1/moderation/", include("moderation.api.urls")),
    path("api/v1/", include("exports.api.urls")),
    path("api/v1/", include("annotation.api.urls")),
    # Anything else under /api/ answers the API's JSON 404, whatever the method and whatever the path holds
    # (a newline too), and is never redirected to the same path with a slash.
    re_path(r"^api/[\s\S]*", not_found),
    path("moderation/", include("moderation.urls")),
    path("datasets/", include("exports.urls")),
    path("", include("accounts.urls")),
    path("", include("stats.urls")),
    path("", include("annotation.urls")),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
