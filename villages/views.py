"""The public home page: the communes in the portal and their villages."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import render

from core.cache import cache_public_page

from .models import Commune


@cache_public_page(timeout=60)
def home(request: HttpRequest):
    """Public home: the communes in the portal and their villages."""
    communes = (
        Commune.objects.filter(villages__isnull=False)
        .distinct()
        .prefetch_related("villages")
        .order_by("province_code", "code")
    )
    return render(request, "villages/home.html", {"communes": communes})
