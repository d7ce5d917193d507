from django.urls import path

from . import views

app_name = "provinces"

urlpatterns = [
    # The provincial NTM office (core.access.province_required): figures, no personal data.
    path("province/<str:code>/", views.overview, name="overview"),
    path(
        "province/<str:code>/communes/<str:commune_code>/",
        views.commune_checklist,
        name="commune_checklist",
    ),
]
