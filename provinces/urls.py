from django.urls import path

from . import views

app_name = "provinces"

urlpatterns = [
    # The provincial NTM office (core.access.province_required): figures, no personal data.
    path("province/<str:code>/", views.overview, name="overview"),
    path("province/<str:code>/map.json", views.map_data, name="map_data"),
    path("province/<str:code>/report/", views.report_print, name="report_print"),
    path("province/<str:code>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("province/<str:code>/rollup/", views.rollup, name="rollup"),
    path(
        "province/<str:code>/communes/<str:commune_code>/",
        views.commune_checklist,
        name="commune_checklist",
    ),
]
