"""Users, API clients and per-user statistics."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.display_names import DISPLAY_NAME_MAX_LENGTH, name_skeleton


class Role(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer")
    RESEARCHER = "researcher", _("Researcher")
    MODERATOR = "moderator", _("Moderator")
    ADMIN = "admin", _("Admin")


class Theme(models.TextChoices):
    # Blank: follow the browser's prefers-color-scheme.
    AUTO = "", _("Automatic")
    LIGHT = "light", _("Light")
    DARK = "dark", _("Dark")


class ApiClient(models.Model):
    """A bot or another front end that hands tasks to its own users through the REST API."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    # SHA-256 of the token; the token itself is shown once, when the client is created.
    token_hash = models.CharField(max_length=64, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name


DEFAULT_DAILY_GOAL = 10
MAX_DAILY_GOAL = 500


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    display_name = models.CharField(_("display name"), max_length=DISPLAY_NAME_MAX_LENGTH, blank=True)
    # BCP-47 tags of the languages the user writes in, e.g. ["en", "pt-BR"].
    languages = models.JSONField(_("languages"), default=list, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VOLUNTEER)
    # False = banned: no login, no tasks.
    enabled = models.BooleanField(_("enabled"), default=True)
    notes = models.TextField(_("moderator notes"), blank=True)
    show_on_leaderboard = models.BooleanField(_("show on leaderboard"), default=True)
    tos_accepted_at = models.DateTimeField(_("terms of service accepted"), null=True, blank=True)
    # Asked for the researcher role (to download datasets) at sign-up or on the profile page; cleared when granted.
    researcher_requested_at = models.DateTimeField(_("researcher role requested"), null=True, blank=True)
    # Users created by an import for an unknown user id; they cannot log in.
    is_placeholder = models.BooleanField(default=False)
    # Users of an API client are identified by the client's own reference for them.
    api_client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    external_id = models.CharField(max_length=256, blank=True)
    # Streak (SPEC 6): consecutive active days, reset after 36 h without activity.
    streak_days = models.PositiveIntegerField(default=0)
    streak_started_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # Tasks a day the volunteer aims for (shown as progress on the dashboard and after each task).
    daily_goal = models.PositiveSmallIntegerField(_("daily goal"), default=DEFAULT_DAILY_GOAL)
    theme = models.CharField(_("colour scheme"), max_length=8, choices=Theme.choices, default=Theme.AUTO, blank=True)
    # accounts.display_names.name_skeleton of the two names, kept by save(): "is this name taken by a look-alike"
    # is one indexed query.
    display_name_skeleton = models.TextField(blank=True, default="", editable=False)
    username_skeleton = models.TextField(blank=True, default="", editable=False)
    # The address a sign-up came from (accounts.signup_limits); empty for users the platform or a client made.
    signup_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)

    class Meta:
        indexes = [
            models.Index(fields=["display_name_skeleton"], name="user_display_name_skeleton_idx"),
            models.Index(fields=["username_skeleton"], name="user_username_skeleton_idx"),
            models.Index(
                fields=["signup_ip", "date_joined"],
                name="user_signup_ip_idx",
                condition=models.Q(signup_ip__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["api_client", "external_id"],
                condition=models.Q(api_client__isnull=False),
                name="unique_external_id_per_api_client",
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        names = {"display_name", "username"}
        if update_fields is not None:
            names &= {*update_fields}
        if "display_name" in names:
            self.display_name_skeleton = name_skeleton(self.display_name) if self.display_name else ""
        if "username" in names:
            self.username_skeleton = name_skeleton(self.username)
        if update_fields is not None and names:
            kwargs["update_fields"] = {*update_fields, *(f"{name}_skeleton" for name in names)}
        super().save(*args, **kwargs)

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN) or self.is_superuser


class TimeFrame(models.TextChoices):
    DAY = "day", _("Last 24 hours")
    WEEK = "week", _("Last 7 days")
    MONTH = "month", _("Last 30 days")
    TOTAL = "total", _("All time")


class UserStats(models.Model):
    """Leaderboard counters per user and time frame (SPEC 6), refreshed by a periodic job."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="stats")
    time_frame = models.CharField(max_length=8, choices=TimeFrame.choices)
    leader_score = models.IntegerField(default=0)
    rank = models.PositiveIntegerField(null=True, blank=True)
    prompts = models.IntegerField(default=0)
    replies_assistant = models.IntegerField(default=0)
    replies_prompter = models.IntegerField(default=0)
    labels_simple = models.IntegerField(default=0)
    labels_full = models.IntegerField(default=0)
    rankings_total = models.IntegerField(default=0)
    rankings_good = models.IntegerField(default=0)
    accepted_prompts = models.IntegerField(default=0)
    accepted_replies_assistant = models.IntegerField(default=0)
    accepted_replies_prompter = models.IntegerField(default=0)
    reply_ranked_1 = models.IntegerField(default=0)
    reply_ranked_2 = models.IntegerField(default=0)
    reply_ranked_3 = models.IntegerField(default=0)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("user stats")
        constraints = [models.UniqueConstraint(fields=["user", "time_frame"], name="unique_stats_per_time_frame")]
        indexes = [models.Index(fields=["time_frame", "-leader_score"], name="stats_leaderboard_idx")]


class PersonalToken(models.Model):
    """A user's own API token (``Authorization: Token <token>``): only its SHA-256 is stored; the token is shown
    once, when it is made (accounts.services.tokens)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="personal_token")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("personal API token")
        verbose_name_plural = _("personal API tokens")

    def __str__(self) -> str:
        return str(self.user)
