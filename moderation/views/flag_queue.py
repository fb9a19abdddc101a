"""The flag queue page and its actions: each action calls one service and answers the queue as it now stands,
so the next item takes the place of the one dealt with."""

from collections.abc import Callable
from uuid import UUID

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from annotation.models import Message
from core.errors import DomainError, NotFound
from moderation.decorators import moderator_required
from moderation.forms import FlagActionForm, FlagEditForm, FlagQueueFilterForm
from moderation.selectors.flag_queue import flag_queue as flag_queue_page
from moderation.selectors.flag_queue import item_reviews
from moderation.selectors.moderated import moderated_message
from moderation.services import flags, messages, trees
from toxicity.conf import toxicity_settings
from toxicity.selectors import queue_status

FILTER_NAMES = ("language", "kind", "state", "sort", "page")


def _queue_context(data: QueryDict) -> dict:
    form = FlagQueueFilterForm(data)
    page = flag_queue_page(**form.selector_filters()) if form.is_valid() else None
    filters = {name: value for name in FILTER_NAMES if (value := data.get(name))}
    query = QueryDict(mutable=True)
    query.update({name: value for name, value in filters.items() if name != "page"})
    # The actions' URLs are this one's followed by the message id and the action (see moderation/urls.py).
    queue_url = reverse("moderation:flag_queue")
    filters_query = QueryDict(mutable=True)
    filters_query.update(filters)
    return {
        "form": form,
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "filters_query": filters_query.urlencode(),
        "queue_url": queue_url,
    }


@moderator_required
def flag_queue(request: HttpRequest) -> HttpResponse:
    context = _queue_context(request.GET)
    if request.htmx:
        return render(request, "moderation/partials/flag_queue_results.html", context)
    # The operators' line on toxicity scoring: how many messages wait for a score (one query, full page only).
    context["toxicity"] = queue_status() if toxicity_settings().enabled else None
    return render(request, "moderation/flag_queue.html", context)


def _message_or_404(message_id: UUID) -> Message:
    try:
        return moderated_message(message_id=message_id)
    except NotFound as error:
        raise Http404 from error


def _act(
    request: HttpRequest,
    message_id: UUID,
    call: Callable[[User, Message, FlagActionForm], str],
    form_class=FlagActionForm,
) -> HttpResponse:
    message = _message_or_404(message_id)
    form = form_class(request.POST)
    notice, error = "", ""
    if form.is_valid():
        try:
            notice = call(request.user, message, form)
        except DomainError as exc:
            error = exc.message
    else:
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    if not request.htmx:
        if error:
            flash.error(request, error)
        else:
            flash.success(request, notice)
        filters = {name: value for name in FILTER_NAMES if (value := request.POST.get(name))}
        query = QueryDict(mutable=True)
        query.update(filters)
        return redirect(f"{reverse('moderation:flag_queue')}?{query.urlencode()}")
    context = _queue_context(request.POST)
    context.update({"notice": notice, "error": error, "acted_on_id": message.pk})
    return render(request, "moderation/partials/flag_queue_results.html", context)


@require_GET
@moderator_required
def reviews(request: HttpRequest, message_id: UUID) -> HttpResponse:
    """The reviews of one item, fetched when the moderator opens them."""
    message = _message_or_404(message_id)
    context = {"message": message, "reviews": item_reviews(message_id=message.pk)}
    if request.htmx:
        return render(request, "moderation/partials/flag_queue_reviews.html", context)
    context["queue_url"] = reverse("moderation:flag_queue")
    return render(request, "moderation/flag_queue_reviews.html", context)


@require_POST
@moderator_required
def dismiss(request: HttpRequest, message_id: UUID) -> HttpResponse:
    def call(moderator: User, message: Message, form: FlagActionForm) -> str:
        count = flags.dismiss_flags(moderator=moderator, message=message, reason=form.reason_text())
        return ngettext("Dismissed %(count)d flag.", "Dismissed %(count)d flags.", count) % {"count": count}

    return _act(request, message_id, call)


@require_POST
@moderator_required
def hide(request: HttpRequest, message_id: UUID) -> HttpResponse:
    def call(moderator: User, message: Message, form: FlagActionForm) -> str:
        hidden = messages.hide_message(moderator=moderator, message=message, reason=form.reason_text())
        return ngettext("Hid %(count)d message.", "Hid %(count)d messages.", len(hidden)) % {"count": len(hidden)}

    return _act(request, message_id, call)


@require_POST
@moderator_required
def restore(request: HttpRequest, message_id: UUID) -> HttpResponse:
    def call(moderator: User, message: Message, form: FlagActionForm) -> str:
        restored = messages.restore_message(moderator=moderator, message=message, reason=form.reason_text())
        return ngettext("Restored %(count)d message.", "Restored %(count)d messages.", len(restored)) % {
            "count": len(restored)
        }

    return _act(request, message_id, call)


@require_http_methods(["GET", "POST"])
@moderator_required
def edit(request: HttpRequest, message_id: UUID) -> HttpResponse:
    """GET: the edit form of one item, fetched when the moderator opens it; POST: the edit."""
    if request.method == "GET":
        message = _message_or_404(message_id)
        filters = {name: value for name in FILTER_NAMES if (value := request.GET.get(name))}
        context = {"message": message, "filters": filters, "queue_url": reverse("moderation:flag_queue")}
        template = (
            "moderation/partials/flag_queue_edit_form.html" if request.htmx else "moderation/flag_queue_edit.html"
        )
        return render(request, template, context)

    def call(moderator: User, message: Message, form: FlagActionForm) -> str:
        messages.edit_message(
            moderator=moderator, message=message, text=form.cleaned_data["text"], reason=form.reason_text()
        )
        return _("The message was edited; its old text is kept.")

    return _act(request, message_id, call, FlagEditForm)


@require_POST
@moderator_required
def halt(request: HttpRequest, message_id: UUID) -> HttpResponse:
    def call(moderator: User, message: Message, form: FlagActionForm) -> str:
        trees.halt_tree(moderator=moderator, tree=message.tree, reason=form.reason_text())
        return _("The tree is halted.")

    return _act(request, message_id, call)


@require_POST
@moderator_required
def resume(request: HttpRequest, message_id: UUID) -> HttpResponse:
    def call(moderator: User, message: Message, form: FlagActionForm) -> str:
        trees.resume_tree(moderator=moderator, tree=message.tree, reason=form.reason_text())
        return _("The tree is resumed.")

    return _act(request, message_id, call)
