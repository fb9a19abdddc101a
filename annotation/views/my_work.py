"""My work: what the volunteer has written, reviewed and ranked."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.decorators import volunteer_required
from annotation.forms import MyWorkForm
from annotation.models import TreeState
from annotation.selectors.my_work import KINDS, my_work


@volunteer_required
@require_GET
def my_work_page(request: HttpRequest) -> HttpResponse:
    form = MyWorkForm(request.GET)
    work = my_work(user=request.user, work_filter=form.work_filter(), page_number=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "work": work, "kinds": KINDS, "tree_states": TreeState.choices, "query": query.urlencode()}
    return render(request, "annotation/my_work.html", context)
