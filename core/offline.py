"""Server side of the field portal's offline outbox (see README "Offline field work").

The browser gives every field-portal form an idempotency key (`_idempotency_key` field, or the
`X-Idempotency-Key` header when the outbox resends it). A POST that carries a key runs inside one
transaction together with the record of its key, so a resent submission whose first attempt
succeeded (the answer was lost on a weak signal) is answered from the record and never applied
twice. When the outbox resends (`X-Outbox: 1`), the answer is JSON the outbox can show:
saved (with the page to open), invalid (the form came back with errors: shown on the item for
correction), conflict (a stale edit whose fields were also changed on the server: per field the
original, theirs and yours, core.merge) or refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from html.parser import HTMLParser

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, resolve_url

from .models import IdempotencyRecord

KEY_FIELD = "_idempotency_key"
KEY_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")
FIELD_PREFIX = "/field/"


def owner_key(user) -> str:
    """An opaque per-account key: the outbox items of this account (data-sv-owner)."""
    if user is None or not user.is_authenticated:
        return ""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"owner:{user.pk}".encode(), hashlib.sha256)
    return digest.hexdigest()[:24]


def _is_login_redirect(response) -> bool:
    login_url = resolve_url(settings.LOGIN_URL)
    return 300 <= response.status_code < 400 and response.get("Location", "").startswith(login_url)


def _is_success_redirect(response) -> bool:
    return 300 <= response.status_code < 400 and not _is_login_redirect(response)


class _ErrorTexts(HTMLParser):
    """The texts of a form page's error messages (what the outbox shows on an item).

    Extracted here so that the browser receives plain text, never HTML to parse."""

    CLASSES = {"invalid-feedback", "alert-danger", "alert-warning", "errorlist"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[bool | None] = []  # per open element: in an error message? None: hidden
        self.texts: list[str] = []
        self.current: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        if (self.stack and self.stack[-1] is None) or "hidden" in attrs:
            # A hidden element (the outbox banner, templates) is no message of this answer.
            self.stack.append(None)
            return
        classes = set((attrs.get("class") or "").split())
        inside = bool(self.stack and self.stack[-1])
        starts = not inside and (bool(classes & self.CLASSES) or "data-conflict" in attrs)
        if starts:
            self.current = []
        self.stack.append(inside or starts)

    def handle_endtag(self, tag):
        if tag in self.VOID or not self.stack:
            return
        was = self.stack.pop()
        if was is None:
            return
        if was and not (self.stack and self.stack[-1]):
            text = " ".join("".join(self.current).split())
            if text and text not in self.texts:
                self.texts.append(text)

    def handle_data(self, data):
        if self.stack and self.stack[-1]:
            self.current.append(data)


def error_texts(html: str) -> list[str]:
    parser = _ErrorTexts()
    parser.feed(html)
    parser.close()
    return parser.texts


def _outbox_answer(result: str, *, status: int = 200, **extra) -> JsonResponse:
    return JsonResponse({"result": result, **extra}, status=status)


class _KeyTaken(Exception):
    """Another request holds (or held) this idempotency key."""


class OfflineIdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or not request.path.startswith(FIELD_PREFIX):
            return self.get_response(request)
        key = request.headers.get("X-Idempotency-Key") or request.POST.get(KEY_FIELD, "")
        from_outbox = request.headers.get("X-Outbox") == "1"
        user = getattr(request, "user", None)
        sent_for = request.headers.get("X-Outbox-Owner")
        if from_outbox and sent_for and sent_for != owner_key(user):
            # Another account's item (a shared phone): never sent as this one.
            return _outbox_answer("not_owner", status=409)
        if not key or not KEY_RE.match(key) or user is None or not user.is_authenticated:
            response = self.get_response(request)
            if from_outbox:
                return self._describe(response, request)
            return response

        done = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if done is not None:
            return self._answer_done(done, request, from_outbox)

        try:
            with transaction.atomic():
                # The key is claimed first: a second request with the same key (a double tap,
                # a resend racing the first attempt) waits on the unique index until the first
                # commits, then is answered like it (docs/decisions.md "Double submit").
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            user=user, key=key, path=request.path[:300], location=""
                        )
                except IntegrityError:
                    raise _KeyTaken from None
                response = self.get_response(request)
                if _is_success_redirect(response):
                    record.location = response.get("Location", "")[:500]
                    record.save(update_fields=["location"])
                elif response.status_code >= 500:
                    # Undo whatever the view wrote: nothing half-done is kept.
                    transaction.set_rollback(True)
                else:
                    # Not saved (the form came back with errors): the key may be used again.
                    record.delete()
        except _KeyTaken:
            done = IdempotencyRecord.objects.filter(user=user, key=key).first()
            if done is None:  # the first attempt was rolled back meanwhile: try again
                return self(request)
            return self._answer_done(done, request, from_outbox)
        if from_outbox:
            return self._describe(response, request)
        return response

    @staticmethod
    def _answer_done(done, request, from_outbox: bool):
        """The answer of the first successful attempt with this key."""
        if from_outbox:
            return _outbox_answer("saved", location=done.location, duplicate=True)
        return redirect(done.location or request.path)

    @staticmethod
    def _describe(response, request):
        status = response.status_code
        if _is_login_redirect(response):
            return _outbox_answer("refused", code=401)
        if 300 <= status < 400:
            return _outbox_answer("saved", location=response.get("Location", ""))
        conflict = getattr(request, "sv_conflict", None)
        if status == 200 and conflict is not None:
            # A stale edit that changed fields someone else changed too (core.merge): the
            # outbox shows original / theirs / yours per field and resends with the answers.
            html = response.content.decode(response.charset or "utf-8", "replace")
            return _outbox_answer("conflict", conflict=conflict, errors=error_texts(html))
        if status == 200:
            # Django views answer a valid POST with a redirect; a 200 is the form again, with
            # its errors (validation or edit conflict). The outbox extracts and shows them.
            html = response.content.decode(response.charset or "utf-8", "replace")
            return _outbox_answer("invalid", html=html, errors=error_texts(html))
        if status in (401, 403, 404):
            return _outbox_answer("refused", code=status)
        return _outbox_answer("error", status=200, code=status)
