"""Export jobs (one dataset file each) and releases (every file kind of the ready trees, with a card)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from exports.file_kinds import FileKind


class JobState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired")


class ReleaseState(models.TextChoices):
    BUILDING = "building", _("Building")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Release(models.Model):
    """A dataset release: all ``ready_for_export`` trees, anonymised, in every file kind, with a dataset card."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    state = models.CharField(_("state"), max_length=16, choices=ReleaseState.choices, default=ReleaseState.BUILDING)
    # Storage prefix of the release's files, e.g. "releases/2026-12-07T0300Z/".
    directory = models.CharField(_("directory"), max_length=255, blank=True)
    anonymize_seed = models.CharField(max_length=64, blank=True)
    card = models.TextField(_("dataset card"), blank=True)  # README.md, Markdown with a YAML header
    statistics = models.JSONField(_("statistics"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    published_at = models.DateTimeField(_("published to the Hub"), null=True, blank=True)
    hub_repo_id = models.CharField(_("Hub repository"), max_length=200, blank=True)
    hub_commit_url = models.URLField(_("Hub commit"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("release")
        verbose_name_plural = _("releases")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.get_state_display()})"


class ExportJob(models.Model):
    """One dataset file, written in the background (exports.jobs) and published to storage when complete."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("file kind"), max_length=16, choices=FileKind.choices)
    # exports.filters.ExportFilter.to_json()
    filters = models.JSONField(_("filters"), default=dict)
    compress = models.BooleanField(_("gzip"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=JobState.choices, default=JobState.QUEUED)
    trees_total = models.PositiveBigIntegerField(_("trees to read"), null=True, blank=True)
    trees_done = models.PositiveBigIntegerField(_("trees read"), default=0)
    trees = models.PositiveBigIntegerField(_("trees written"), default=0)
    messages = models.PositiveBigIntegerField(_("messages written"), default=0)
    rows = models.PositiveBigIntegerField(_("rows written"), default=0)
    size_bytes = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    # Name of the published file in the default storage; empty until the job is ready.
    file = models.CharField(_("file"), max_length=500, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="export_jobs"
    )
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    # When the job was handed to the broker; empty while it never was (the broker was down): see requeue_exports.
    enqueued_at = models.DateTimeField(_("sent to the workers"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="export_job_requester_idx"),
            models.Index(fields=["state", "expires_at"], name="export_job_expiry_idx"),
        ]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"
