"""The guidelines: an overview and one page per kind of task. Open to everyone, volunteers or not."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotation.guidelines import GUIDELINES, GUIDELINES_BY_SLUG


@require_GET
def guidelines(request: HttpRequest) -> HttpResponse:
    return render(request, "annotation/guidelines/index.html", {"guidelines": GUIDELINES})


@require_GET
def guideline(request: HttpRequest, slug: str) -> HttpResponse:
    page = GUIDELINES_BY_SLUG.get(slug)
    if page is None:
        raise Http404
    return render(request, page.template, {"guideline": page, "guidelines": GUIDELINES})
