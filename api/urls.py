from csp.decorators import csp_replace
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import open_data, views

app_name = "api"

router = SimpleRouter()
router.register("communes", views.CommuneViewSet, basename="commune")
router.register("villages", views.VillageViewSet, basename="village")
router.register("assessments", views.AssessmentViewSet, basename="assessment")
router.register("cashless-reports", views.CashlessReportViewSet, basename="cashlessreport")
router.register("ocop-products", views.ProductViewSet, basename="product")

# Swagger UI (React) sets inline styles and writes innerHTML without Trusted Types: on this one
# page, which shows only the public schema, those two rules are relaxed; scripts stay 'self'.
docs_view = csp_replace(
    {
        "style-src": ["'self'", "'unsafe-inline'"],
        "require-trusted-types-for": None,
        "trusted-types": None,
    }
)(SpectacularSwaggerSplitView.as_view(url_name="api:schema"))

urlpatterns = [
    # OpenAPI 3 schema and its docs (Swagger UI served from static: drf-spectacular-sidecar).
    path("api/v1/schema/", SpectacularAPIView.as_view(api_version="v1"), name="schema"),
    path("api/v1/docs/", docs_view, name="docs"),
    path("api/v1/", include(router.urls)),
    # Open data without login: the public commune page's figures (small counts suppressed).
    path("open-data/communes/<str:code>.json", open_data.commune_json, name="open_commune_json"),
    path("open-data/communes/<str:code>.csv", open_data.commune_csv, name="open_commune_csv"),
]
