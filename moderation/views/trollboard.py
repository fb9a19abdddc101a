"""The trollboard page: the users whose messages drew the most flags, per time frame."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import TimeFrame
from moderation.decorators import moderator_required
from moderation.selectors.trollboard import trollboard as trollboard_rows

DEFAULT_FRAME = TimeFrame.WEEK


@moderator_required
def trollboard(request: HttpRequest) -> HttpResponse:
    frame = request.GET.get("frame", DEFAULT_FRAME)
    if frame not in TimeFrame.values:
        frame = DEFAULT_FRAME
    context = {
        "time_frame": frame,
        "time_frames": TimeFrame.choices,
        "rows": trollboard_rows(time_frame=frame),
    }
    template = "moderation/partials/trollboard_panel.html" if request.htmx else "moderation/trollboard.html"
    return render(request, template, context)
