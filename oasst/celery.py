"""The Celery application; tasks live in each app's tasks.py and only call services."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oasst.settings")

app = Celery("oasst")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
