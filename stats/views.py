"""Pages of the stats app: the home page (landing or the volunteer's dashboard), leaderboard, personal stats."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import volunteer_required
from accounts.models import TimeFrame
from accounts.selectors import user_stats
from accounts.services.profile import set_daily_goal
from annotation.models import Task, TaskState
from annotation.policies import can_act_on_task
from core.errors import InvalidInput
from stats import selectors
from stats.forms import DailyGoalForm

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
def _volunteer_dashboard(request: HttpRequest, *, goal_form: DailyGoalForm | None = None) -> HttpResponse:
    context = {
        "stats": selectors.personal_stats(user=request.user),
        "today": selectors.daily_progress(user=request.user),
        "goal_form": goal_form or DailyGoalForm(initial={"daily_goal": request.user.daily_goal}),
    }
    return render(request, "stats/dashboard.html", context, status=400 if goal_form else 200)


@volunteer_required
@require_POST
def daily_goal(request: HttpRequest) -> HttpResponse:
    """Set how many tasks a day the volunteer aims for; back to the dashboard."""
    form = DailyGoalForm(request.POST)
    if form.is_valid():
        try:
            set_daily_goal(user=request.user, goal=form.cleaned_data["daily_goal"])
        except InvalidInput as error:
            form.add_error("daily_goal", error.message)
        else:
            return redirect("dashboard")
    return _volunteer_dashboard(request, goal_form=form)


@volunteer_required
@require_GET
def task_done(request: HttpRequest, task_id) -> HttpResponse:
    """The acknowledgement of a task just sent (the task page loads it in place): points, link, progress."""
    task = get_object_or_404(
        Task.objects.select_related("result_message", "message", "parent_message"), pk=task_id, state=TaskState.DONE
    )
    if not can_act_on_task(request.user, task):
        raise Http404  # as for a task that does not exist: another volunteer's tasks are not shown to exist
    return render(request, "stats/partials/task_done.html", {"done": selectors.task_done(user=request.user, task=task)})


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
