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


def _apply_experiments() -> None:
    """BENCH_EXPERIMENTS=stamp_scan,stamp_lookup,household_list: run the server with the
    proposed fixes of bench/experiments.py swapped in (to measure them under gunicorn too)."""
    import os

    wanted = {x.strip() for x in os.environ.get("BENCH_EXPERIMENTS", "").split(",") if x.strip()}
    if not wanted:
        return
    from bench import experiments

    if "stamp_scan" in wanted:
        import ocop.views

        ocop.views.stamp_scan_record = experiments.proposed_stamp_scan_record
    if "stamp_lookup" in wanted:
        import ocop.views

        ocop.views.Stamp = experiments._UnorderedStamp
    if "household_list" in wanted:
        import households.views

        households.views._household_list_queryset = experiments.proposed_household_list_queryset


_apply_experiments()
