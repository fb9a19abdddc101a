"""Pages of the stats app: the home page (landing or the volunteer's dashboard), leaderboard, personal stats."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.decorators import volunteer_required
from accounts.models import TimeFrame
from accounts.selectors import user_stats
from stats import selectors

DEFAULT_LEADERBOARD_FRAME = TimeFrame.WEEK


def _time_frame(request: HttpRequest, default: str) -> str:
    frame = request.GET.get("frame", default)
    return frame if frame in TimeFrame.values else default


def dashboard(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors, the volunteer's dashboard once logged in."""
    if not request.user.is_authenticated:
        return render(request, "stats/landing.html")
    return _volunteer_dashboard(request)


@volunteer_required
def _volunteer_dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "stats/dashboard.html", {"stats": selectors.personal_stats(user=request.user)})


@login_required
def leaderboard(request: HttpRequest) -> HttpResponse:
    frame = _time_frame(request, DEFAULT_LEADERBOARD_FRAME)
    context = {
        "time_frame": frame,
        "time_frames": TimeFrame.choices,
        "rows": selectors.leaderboard(time_frame=frame),
        "own": user_stats(user=request.user)[frame],
    }
    template = "stats/partials/leaderboard_panel.html" if request.htmx else "stats/leaderboard.html"
    return render(request, template, context)


@login_required
def my_stats(request: HttpRequest) -> HttpResponse:
    frame = _time_frame(request, TimeFrame.TOTAL)
    stats = selectors.personal_stats(user=request.user)
    context = {"time_frame": frame, "time_frames": TimeFrame.choices, "stats": stats, "score": stats.frames[frame]}
    template = "stats/partials/stats_panel.html" if request.htmx else "stats/stats.html"
    return render(request, template, context)
