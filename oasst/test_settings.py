"""Settings for the test suite: the real settings with a fixed key and fast password hashing."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
# The production log format, whatever DEBUG the suite runs with (`make test` turns DEBUG on).
os.environ.setdefault("LOG_FORMAT", "json")

from oasst.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
CELERY_TASK_ALWAYS_EAGER = True
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Export files of the tests in a folder of their own (each job writes under its own id).
STORAGES = {
    **STORAGES,  # noqa: F405
    "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "test-exports"},  # noqa: F405
    },
}
# No toxicity scoring outside the tests that turn it on (tests/toxicity, the flag queue's toxicity tests): run in
# place (eagerly) by the live server's threads, Celery's jobs would share its process-wide state across threads.
TOXICITY_BACKEND = "off"
