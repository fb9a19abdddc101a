"""Every page of the site as a URL, in the world of tests/test_authorization_matrix.py: the pages of its matrix as
an admin sees them, and those it leaves out (sign-in pages, releases, the API docs, Django's admin, an error page).
The CSRF and header tests walk this list."""

from exports.models import Release
from tests.test_authorization_matrix import PAGES, World

# Pages the matrix does not list: what a visitor or a logged-in user opens besides.
EXTRA_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/logout/",
    "/accounts/password/change/",
    "/accounts/email/",
    "/profile/delete/",
    "/datasets/releases/",
    "/api/docs/",
    "/no-such-page/",
]


def site_urls(world: World) -> list[str]:
    """Every page's URL, seen by the world's admin."""
    release = Release.objects.get()
    return [
        *(page.url(world, "admin") for page in PAGES),
        *EXTRA_PAGES,
        f"/datasets/releases/{release.pk}/",
        f"/messages/{world.reply.pk}/card/",
        f"/messages/{world.reply.pk}/report/",
        f"/messages/{world.reply.pk}/edit/",
    ]


def admin_urls(world: World) -> list[str]:
    """Django's admin (for a superuser): its index, a list and a change form."""
    return ["/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{world.author.pk}/change/"]
