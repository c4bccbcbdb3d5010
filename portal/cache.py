"""The shared cache (Redis) that keeps counting when Redis cannot be reached.

Rate limits (django-ratelimit) and login throttling (allauth) count in the cache. With
Django's RedisCache a Redis outage makes every such request fail with a 500. This
backend answers from a process-local memory cache for as long as Redis does not answer:
the pages work and the limits still hold, per process, until Redis is back."""

import logging
from functools import wraps

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _or_local(name: str):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(FallbackRedisCache, self), name)(*args, **kwargs)
        except UNREACHABLE as exc:
            logger.warning("cache: Redis unreachable (%r); counting in this process for now", exc)
            return getattr(self._local, name)(*args, **kwargs)

    method.__name__ = name
    return wraps(getattr(RedisCache, name))(method)


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._local = LocMemCache(f"redis-fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300)})

    add = _or_local("add")
    get = _or_local("get")
    set = _or_local("set")
    touch = _or_local("touch")
    delete = _or_local("delete")
    get_many = _or_local("get_many")
    has_key = _or_local("has_key")
    incr = _or_local("incr")
    set_many = _or_local("set_many")
    delete_many = _or_local("delete_many")
    clear = _or_local("clear")
