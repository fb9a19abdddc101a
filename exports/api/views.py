"""The datasets API: request an export, follow it, download its file; the releases."""

from uuid import UUID

from django.http import FileResponse, HttpResponseRedirect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import CanUseApi
from core.api.schema import ERRORS, responses
from core.api.views import ApiView, ListApiView, validated
from exports.api import serializers as s
from exports.api.permissions import CanExport
from exports.filter_input import build_filter
from exports.selectors import export_download, export_job, export_jobs, ready_releases
from exports.services.export_jobs import request_export
from exports.storage import CONTENT_TYPES

EXPORTERS_ONLY = "Researchers, moderators and admins only (403 `not_researcher` otherwise)."


class ExportsApiView(ApiView):
    permission_classes = [CanUseApi, CanExport]


class ExportListView(ListApiView):
    permission_classes = [CanUseApi, CanExport]
    serializer_class = s.ExportJobSerializer

    @extend_schema(
        summary="My exports",
        operation_id="v1_exports_list",
        description="The caller's export jobs, newest first; with `all=true`, every user's (moderators and "
        f"admins; ignored for others). Release files are listed with their release. {EXPORTERS_ONLY}",
        parameters=[s.ExportListQuerySerializer],
        responses=responses(s.ExportJobSerializer(many=True)),
        tags=["datasets"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = validated(s.ExportListQuerySerializer, self.request.query_params)
        return export_jobs(actor=self.request.user, everyone=query["all"])

    @extend_schema(
        summary="Request an export",
        operation_id="v1_exports_create",
        description="Queues a job that writes one dataset file (SPEC 8) with these filters, in the background; "
        "poll the job until its `state` is `ready`, then download it from `download_url`. Files of researchers "
        "are always anonymized (a random seed unless one is given); moderators and admins choose. A filter that "
        "cannot be read answers 400 `invalid_input` (`details.field` names it); more than EXPORT_MAX_ACTIVE_JOBS "
        f"exports waiting or running answers 429 `too_many_exports`. {EXPORTERS_ONLY}",
        request=s.ExportRequestSerializer,
        responses=responses(s.ExportJobSerializer, 201),
        tags=["datasets"],
    )
    def post(self, request: Request) -> Response:
        data = validated(s.ExportRequestSerializer, request.data)
        export_filter = build_filter(
            states=data["states"],
            langs=data["langs"],
            deleted=data["deleted"],
            rejected=data["rejected"],
            synthetic=data["synthetic"],
            user_id=data.get("user_id"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            prompts_only=data["prompts_only"],
            labels=data["labels"],
            events=data["events"],
            anonymize_seed=data.get("anonymize_seed"),
        )
        job = request_export(
            actor=request.user,
            kind=data["kind"],
            export_filter=export_filter,
            compress=data["compress"],
            anonymize=data["anonymize"],
        )
        return Response(s.ExportJobSerializer(job).data, status=status.HTTP_201_CREATED)


class ExportDetailView(ExportsApiView):
    @extend_schema(
        summary="One export",
        description="The job's state and progress (`trees_done` of `trees_total`), and once it is ready its counts, "
        "size and `download_url`. Another user's job answers 404 `export_not_found` (moderators and admins see "
        f"every job). {EXPORTERS_ONLY}",
        responses=responses(s.ExportJobSerializer),
        tags=["datasets"],
    )
    def get(self, request: Request, job_id: UUID) -> Response:
        return Response(s.ExportJobSerializer(export_job(actor=request.user, job_id=job_id)).data)


class AnyContent(BaseContentNegotiation):
    """A file is answered whatever the client says it accepts; errors are JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


FILE_RESPONSES = {(200, content_type): OpenApiTypes.BINARY for content_type in CONTENT_TYPES.values()}


class ExportDownloadView(ExportsApiView):
    content_negotiation_class = AnyContent

    @extend_schema(
        summary="Download an export's file",
        description="The file as an attachment; from a bucket (EXPORTS_S3_BUCKET), a 302 to a URL signed for a "
        "short while. A job without a file yet answers 409 `export_not_ready`; an expired one 410 "
        f"`export_expired`. {EXPORTERS_ONLY}",
        responses={
            **FILE_RESPONSES,
            302: OpenApiResponse(description="Redirect to the file in the bucket."),
            **ERRORS,
        },
        tags=["datasets"],
    )
    def get(self, request: Request, job_id: UUID):
        download = export_download(actor=request.user, job_id=job_id)
        if download.url is not None:
            return HttpResponseRedirect(download.url)
        return FileResponse(
            download.file, as_attachment=True, filename=download.filename, content_type=download.content_type
        )


class ReleaseListView(ListApiView):
    permission_classes = [CanUseApi, CanExport]
    serializer_class = s.ReleaseSerializer

    @extend_schema(
        summary="Releases",
        description="The finished dataset releases, newest first, each with its files (every file kind of the "
        f"trees ready for export, anonymized) and their download URLs. {EXPORTERS_ONLY}",
        responses=responses(s.ReleaseSerializer(many=True)),
        tags=["datasets"],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return ready_releases()
