"""The datasets page: request an export, follow its progress, download the file; the releases."""

from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import DomainError, NotFound
from exports import policies
from exports.decorators import exporter_required
from exports.errors import ExportExpired
from exports.forms import ExportRequestForm
from exports.models import ExportJob
from exports.selectors import export_download, export_job, export_jobs, ready_releases
from exports.services.export_jobs import request_export

UNPROCESSABLE = 422
GONE = 410
JOBS_SHOWN = 50


def _page(request: HttpRequest, form: ExportRequestForm, *, status: int = 200) -> HttpResponse:
    everyone = request.GET.get("all") == "1" and policies.can_see_all_export_jobs(request.user)
    context = {
        "form": form,
        "jobs": list(export_jobs(actor=request.user, everyone=everyone)[:JOBS_SHOWN]),
        "everyone": everyone,
        "may_see_all": policies.can_see_all_export_jobs(request.user),
        "releases": list(ready_releases()[:10]),
    }
    return render(request, "exports/datasets.html", context, status=status)


@exporter_required
@require_http_methods(["GET", "POST"])
def datasets(request: HttpRequest) -> HttpResponse:
    may_export_real_ids = policies.can_export_unanonymized(request.user)
    if request.method != "POST":
        return _page(request, ExportRequestForm(may_export_real_ids=may_export_real_ids))
    form = ExportRequestForm(request.POST, may_export_real_ids=may_export_real_ids)
    if form.is_valid():
        try:
            request_export(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                export_filter=form.export_filter,
                compress=form.cleaned_data["compress"],
                anonymize=form.cleaned_data["anonymize"],
            )
        except DomainError as error:
            field = error.details.get("field")
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, _("Your export is queued; this page shows its progress."))
            return redirect("exports:datasets")
    return _page(request, form, status=UNPROCESSABLE)


def _job(request: HttpRequest, job_id: UUID) -> ExportJob:
    try:
        return export_job(actor=request.user, job_id=job_id)
    except NotFound as error:
        raise Http404 from error


@exporter_required
@require_GET
def job_row(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """One job's row (polled by the page while the job is queued or running)."""
    job = _job(request, job_id)
    everyone = request.GET.get("all") == "1" and policies.can_see_all_export_jobs(request.user)
    return render(request, "exports/partials/job_row.html", {"job": job, "everyone": everyone})


@exporter_required
@require_GET
def job_download(request: HttpRequest, job_id: UUID) -> HttpResponse:
    try:
        download = export_download(actor=request.user, job_id=job_id)
    except NotFound as error:
        raise Http404 from error
    except ExportExpired as error:
        return HttpResponse(error.message, status=GONE, content_type="text/plain; charset=utf-8")
    except DomainError as error:
        return HttpResponse(error.message, status=error.http_status, content_type="text/plain; charset=utf-8")
    if download.url is not None:
        return HttpResponseRedirect(download.url)
    return FileResponse(
        download.file, as_attachment=True, filename=download.filename, content_type=download.content_type
    )
