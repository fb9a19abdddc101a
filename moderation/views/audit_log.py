"""The audit log page: who did what, when and why, filtered by the query string."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from moderation.decorators import moderator_required
from moderation.forms import AuditLogFilterForm
from moderation.selectors.audit_log import audit_log as audit_log_actions

AUDIT_LOG_PAGE_SIZE = 50


@moderator_required
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditLogFilterForm(request.GET)
    page = None
    if form.is_valid():
        actions = audit_log_actions(**form.selector_filters())
        page = Paginator(actions, AUDIT_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "moderation/partials/audit_log_results.html" if request.htmx else "moderation/audit_log.html"
    return render(request, template, context)
