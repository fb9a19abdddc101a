"""Django's Redis and file caches, counting their reads in django-prometheus's cache metrics
(``django_cache_get_total``, ``_hits_total``, ``_misses_total``, ``_fail_total`` by backend).

django-prometheus's own Redis wrapper needs django-redis, and its file one answers the default for a cached 0.
"""

from typing import Any

from django.core.cache.backends.filebased import FileBasedCache as DjangoFileBasedCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

_MISSING = object()


class CountedGets:
    metrics_backend = "?"

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        django_cache_get_total.labels(backend=self.metrics_backend).inc()
        try:
            value = super().get(key, _MISSING, version)
        except Exception:
            django_cache_get_fail_total.labels(backend=self.metrics_backend).inc()
            raise
        if value is _MISSING:
            django_cache_misses_total.labels(backend=self.metrics_backend).inc()
            return default
        django_cache_hits_total.labels(backend=self.metrics_backend).inc()
        return value


class RedisCache(CountedGets, DjangoRedisCache):
    metrics_backend = "redis"


class FileBasedCache(CountedGets, DjangoFileBasedCache):
    metrics_backend = "filebased"
