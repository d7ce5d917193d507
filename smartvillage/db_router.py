"""Reads of read-only pages on a read replica (issue 21.6, docs/scaling.md). Off by default.

With DATABASE_REPLICA_URL set, settings.py adds the database alias "replica", this router and
`ReadOnlyPagesMiddleware`. A GET or HEAD request whose path starts with one of
DATABASE_REPLICA_PATHS (the province overview, the read API, open data, the public village
and commune pages) reads its data from the replica; everything else, and every write anywhere,
goes to "default". Sessions, users, tokens and login records are always read from "default"
(a login just written must not be missed by a replica a few milliseconds behind). The stamp
page is not routed: its cached body must never be rendered from a replica that has not yet
seen a revocation.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
_read_only: ContextVar[bool] = ContextVar("read_only_page", default=False)
# Always on "default": what a request needs to know who is asking.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "authtoken", "axes", "contenttypes", "admin"})

DEFAULT_PATHS = ("/province/", "/api/v1/", "/open-data/", "/villages/", "/communes/")


@contextmanager
def read_only_page():
    """Inside: reads go to the replica (the router below)."""
    token = _read_only.set(True)
    try:
        yield
    finally:
        _read_only.reset(token)


def replica_paths() -> tuple[str, ...]:
    return tuple(getattr(settings, "DATABASE_REPLICA_PATHS", DEFAULT_PATHS))


class ReadReplicaRouter:
    def db_for_read(self, model, **hints):
        if _read_only.get() and model._meta.app_label not in PRIMARY_ONLY_APPS:
            return REPLICA
        return "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of "default": the same rows

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"  # the replica follows the primary by replication


class ReadOnlyPagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = replica_paths()

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.path.startswith(self.paths):
            with read_only_page():
                return self.get_response(request)
        return self.get_response(request)
