"""Browse: search the trees and threads by their text, filter them, open one."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import volunteer_required
from annotation.forms import BrowseForm
from annotation.selectors.browse import browse as browse_messages


@volunteer_required
@require_GET
def browse(request: HttpRequest) -> HttpResponse:
    form = BrowseForm(request.GET)
    page = browse_messages(viewer=request.user, **form.selector_filters()) if form.is_valid() else None
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "searched": bool(request.GET.get("q"))}
    template = "annotation/partials/browse_results.html" if request.htmx else "annotation/browse.html"
    return render(request, template, context)
