from django.contrib import admin

from exports.models import ExportJob, Release


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("kind", "compress", "state", "requested_by", "trees", "rows", "size_bytes", "created_at")
    list_filter = ("state", "kind")
    raw_id_fields = ("requested_by", "release")

    # Jobs are written by the export services and their Celery job.
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("created_at", "state", "finished_at", "published_at", "hub_repo_id")
    list_filter = ("state",)
    raw_id_fields = ("requested_by",)
