"""Public OCOP pages: the stamp page behind every QR code, the catalogue, product pages."""

from __future__ import annotations

import functools
import time

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core import ratelimit
from core.cache import cache_public_page
from core.fields import NormalisedFormField
from core.files import private_file_response
from core.ratelimit import client_ip
from core.text import fold
from villages.models import Commune

from . import stamp_cache
from .models import SERIAL_RE, Product, ProductGroup, Stamp, StampBatch, traceability_record


def _unavailable(request: HttpRequest, *, revoked: bool, serial: str) -> HttpResponse:
    # Unknown and revoked serials share one template; only the message differs, and nothing on
    # the page depends on whether other serials exist.
    response = render(
        request,
        "ocop/stamp_unavailable.html",
        {"revoked": revoked, "serial": serial},
        status=410 if revoked else 404,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


def first_scan_notice(previous_first_scan) -> str:
    """The notice under the product: first scan, or "first scanned on ..." (may be reused).
    A stamp's first scan never changes: kept per time, language and time zone."""
    return _notice(previous_first_scan, get_language(), timezone.get_current_timezone_name())


@functools.lru_cache(maxsize=8192)
def _notice(previous_first_scan, _language, _zone) -> str:
    if previous_first_scan is None:
        return format_html(
            '<div class="alert alert-success" role="status">{}</div>',
            gettext("This is the first scan of this stamp."),
        )
    when = date_format(timezone.localtime(previous_first_scan), "d/m/Y H:i")
    return format_html(
        '<div class="alert alert-warning" role="alert">{}</div>',
        gettext(
            "This stamp was first scanned on %(when)s. If you have just bought the product and "
            "never scanned it before, the stamp may have been reused: ask the seller."
        )
        % {"when": when},
    )


def _stamp_body(request: HttpRequest, stamp: Stamp) -> bytes:
    """The page of a valid stamp with the two per-scan markers (ocop/stamp_cache.py)."""
    batch = stamp.batch
    product = batch.product
    today = timezone.localdate()
    return render(
        request,
        "ocop/stamp.html",
        {
            "stamp": stamp,
            "batch": batch,
            "product": product,
            "producer": product.producer,
            "village": product.producer.village,
            "commune": product.producer.village.commune,
            "scans": mark_safe(stamp_cache.SCANS_MARK),  # noqa: S308 - a constant
            "first_scan_notice": mark_safe(stamp_cache.NOTICE_MARK),  # noqa: S308 - a constant
            "certificate_expired": product.certificate_expired(today),
            "best_before_passed": bool(batch.best_before and batch.best_before < today),
            "is_ocop": product.is_ocop(today),
            "trace": traceability_record(product=product, batch=batch, stamp=stamp),
        },
    ).content


STAMP_RATE_LIMIT = 60  # requests a minute and client (setting STAMP_RATE_LIMIT)


@never_cache
@require_GET
def stamp_public(request: HttpRequest, serial: str) -> HttpResponse:
    """The page a buyer sees after scanning a stamp.

    A valid stamp's page comes from this process's memory with its scan counted there (no
    round trip; Redis about once a second), or from Redis in one Lua call, see
    ocop/stamp_cache.py; on a miss, one read and a render. Unknown and
    revoked serials are never cached and cost the same single read (a malformed serial is
    looked up too, and a revoked stamp's scan is not recorded), so neither the time nor the page
    tells them apart beyond the message. Per client: STAMP_RATE_LIMIT requests a minute.
    """
    serial = serial.strip().upper()[:20]
    language = get_language()
    ip, user_agent = client_ip(request), request.META.get("HTTP_USER_AGENT")
    # The rate limit of core.ratelimit: counted inside the cache lookup when it is Redis.
    limit, window = ratelimit.limits("stamp", STAMP_RATE_LIMIT)
    if stamp_cache.redis_client() is None:
        if not ratelimit.hit("stamp", request, limit=limit, window=window):
            return ratelimit.too_many(request, "ocop/rate_limited.html", window)
        rate = ("", 0, window)
    else:
        slot = int(time.time() // window)
        rate = (f"rl:stamp:{ratelimit.client_key(request)}:{slot}", limit, window)
    page = stamp_cache.lookup(serial, language, ip=ip, user_agent=user_agent, rate=rate)
    if page.limited:
        return ratelimit.too_many(request, "ocop/rate_limited.html", window)
    if page.body is None:
        stamp = (
            Stamp.objects.select_related("batch__product__producer__village__commune")
            .filter(serial=serial if SERIAL_RE.match(serial) else "")
            .first()
        )
        if stamp is None:
            return _unavailable(request, revoked=False, serial=serial)
        if stamp.revoked or stamp.batch.revoked_at is not None:
            return _unavailable(request, revoked=True, serial=serial)
        page = stamp_cache.store_and_count(
            serial, language, page, stamp, _stamp_body(request, stamp), ip=ip, user_agent=user_agent
        )
    body = page.body.replace(stamp_cache.SCANS_MARK.encode(), localize(page.scans).encode())
    body = body.replace(
        stamp_cache.NOTICE_MARK.encode(), first_scan_notice(page.first_scan).encode()
    )
    response = HttpResponse(body)
    response["X-Robots-Tag"] = "noindex"
    return response


STAR_CHOICES = [("", _("All ratings")), ("3", "3★"), ("4", "4★"), ("5", "5★")]


class CatalogueFilterForm(forms.Form):
    q = NormalisedFormField(label=_("Product or producer"), required=False, max_length=60)
    group = forms.ChoiceField(
        label=_("Product group"), required=False, choices=[("", _("All groups"))]
    )
    stars = forms.ChoiceField(label=_("Stars"), required=False, choices=STAR_CHOICES)
    commune = forms.ChoiceField(label=_("Commune"), required=False)

    def __init__(self, *args, communes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("All groups")), *ProductGroup.choices]
        self.fields["commune"].choices = [("", _("All communes"))] + [
            (c.code, c.name) for c in communes
        ]


@require_GET
@cache_public_page(timeout=60)
def catalogue(request: HttpRequest) -> HttpResponse:
    """Public catalogue of OCOP products, filtered by group, stars and commune."""
    products = Product.objects.published().select_related("producer__village__commune")
    communes = Commune.objects.filter(
        villages__ocop_producers__products__in=Product.objects.published()
    ).distinct()
    form = CatalogueFilterForm(request.GET or None, communes=communes)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            key = fold(data["q"])  # accents and case ignored: "mat ong" finds "Mật ong"
            products = products.filter(
                Q(search_key__contains=key) | Q(producer__search_key__contains=key)
            )
        if data["group"]:
            products = products.filter(group=data["group"])
        if data["stars"]:
            products = products.filter(stars=int(data["stars"]))
        if data["commune"]:
            products = products.filter(producer__village__commune__code=data["commune"])
    products = products.order_by("-stars", "name")
    page = Paginator(products, 24).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ocop/catalogue.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_GET
@cache_public_page(timeout=60)
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A product's public page: rating, certificate, producer's business contact, sales links."""
    product = get_object_or_404(
        Product.objects.published().select_related("producer__village__commune"), pk=pk
    )
    return render(
        request,
        "ocop/product_detail.html",
        {
            "product": product,
            "producer": product.producer,
            "certificate_expired": product.certificate_expired(),
        },
    )


@never_cache
@require_GET
def batch_file(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The label sheet (PDF) or PNG archive of a ready batch, for officials of its commune.

    Anyone else, signed in or not, gets 404: a sheet prints valid stamps.
    """
    if kind not in ("pdf", "zip"):
        raise Http404
    batch = get_object_or_404(
        StampBatch.objects.for_officials(request.user).select_related("product__producer__village"),
        pk=pk,
        status=StampBatch.Status.READY,
    )
    field = batch.pdf_file if kind == "pdf" else batch.zip_file
    return private_file_response(
        request,
        field,
        filename=field.name.rsplit("/", 1)[-1],
        what="ocop.stampbatch",
        commune_id=batch.product.producer.village.commune_id,
        description=f"{kind.upper()} {batch.product.name} {batch.lot_code} (#{batch.pk})",
    )
