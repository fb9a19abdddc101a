"""The site's caches.

- On Redis (settings.CACHES when REDIS_URL is set) the cache degrades rather than fails while Redis is away.
  Nothing the site keeps in its cache is needed to answer a request (rate-limit counters, the toxicity scorer's
  last failure): with Redis down a read is a miss and a write is dropped (so rate limits are not applied
  meanwhile), each bounded by the connection timeouts of CACHES' OPTIONS, so that volunteers keep working.
- Both the Redis and the file cache count their reads in django-prometheus's cache metrics
  (``django_cache_get_total``, ``_hits_total``, ``_misses_total``, ``_fail_total`` by backend); its own Redis
  wrapper needs django-redis, and its file one answers the default for a cached 0.
"""

import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.cache.backends import redis
from django.core.cache.backends.filebased import FileBasedCache as DjangoFileBasedCache
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
_MISSING = object()


def _degraded(fallback: Callable[[], Any]) -> Callable:
    def decorate(method: Callable) -> Callable:
        @wraps(method)
        def degraded(self: "DegradedRedisCache", *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                logger.warning("Cache %s failed, Redis is unavailable: %s", method.__name__, error)
                return fallback()

        return degraded

    return decorate


class DegradedRedisCache(redis.RedisCache):
    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as error:
            logger.warning("Cache get failed, Redis is unavailable: %s", error)
            django_cache_get_fail_total.labels(backend="redis").inc()
            return default

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            # As for a key that is not there: the caller starts the count anew (add), which is dropped too.
            raise ValueError(f"Key '{key}' not found: Redis is unavailable ({error})") from error

    # As if the key were new and stored: a lock taken in the cache is granted, so that allauth's rate limits let
    # logins through (open) rather than refuse everyone (429) while Redis is away.
    @_degraded(lambda: True)
    def add(self, *args: Any, **kwargs: Any) -> bool:
        return super().add(*args, **kwargs)

    @_degraded(lambda: None)
    def set(self, *args: Any, **kwargs: Any) -> None:
        return super().set(*args, **kwargs)

    @_degraded(lambda: False)
    def touch(self, *args: Any, **kwargs: Any) -> bool:
        return super().touch(*args, **kwargs)

    @_degraded(lambda: False)
    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return super().delete(*args, **kwargs)

    @_degraded(dict)
    def get_many(self, keys: Iterable[str], version: int | None = None) -> dict:
        return super().get_many(keys, version)

    @_degraded(lambda: False)
    def has_key(self, *args: Any, **kwargs: Any) -> bool:
        return super().has_key(*args, **kwargs)

    @_degraded(list)
    def set_many(self, *args: Any, **kwargs: Any) -> list:
        return super().set_many(*args, **kwargs)

    @_degraded(lambda: None)
    def delete_many(self, *args: Any, **kwargs: Any) -> None:
        return super().delete_many(*args, **kwargs)

    @_degraded(lambda: False)
    def clear(self) -> bool:
        return super().clear()


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


class RedisCache(CountedGets, DegradedRedisCache):
    metrics_backend = "redis"


class FileBasedCache(CountedGets, DjangoFileBasedCache):
    metrics_backend = "filebased"
