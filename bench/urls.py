"""The project's URLs plus the benchmarks' reference view (only under bench.settings)."""

from django.shortcuts import render
from django.urls import include, path


def trivial(request):
    """The reference: a tiny template, through the same middleware and context processors."""
    return render(request, "bench/trivial.html", {"value": 42})


def layout(request):
    """A second, informative reference: the same tiny content inside the site layout (base.html)."""
    return render(request, "bench/layout.html", {"value": 42})


urlpatterns = [
    path("bench/trivial/", trivial, name="bench_trivial"),
    path("bench/layout/", layout, name="bench_layout"),
    path("", include("smartvillage.urls")),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
