"""The cache on Redis (settings.CACHES when REDIS_URL is set), degraded rather than failing while Redis is away.

Nothing the site keeps in its cache is needed to answer a request (rate-limit counters, the toxicity scorer's last
failure): with Redis down a read is a miss and a write is dropped (so rate limits are not applied meanwhile), each
bounded by the connection timeouts of CACHES' OPTIONS, so that volunteers keep working.
"""

import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.core.cache.backends import redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _degraded(fallback: Callable[[], Any]) -> Callable:
    def decorate(method: Callable) -> Callable:
        @wraps(method)
        def degraded(self: "RedisCache", *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                logger.warning("Cache %s failed, Redis is unavailable: %s", method.__name__, error)
                return fallback()

        return degraded

    return decorate


class RedisCache(redis.RedisCache):
    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except RedisError as error:
            logger.warning("Cache get failed, Redis is unavailable: %s", error)
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
