from django.urls import path

from . import views

app_name = "criteria"

urlpatterns = [
    # Public commune page (statuses and figures only).
    path("communes/<str:code>/", views.commune_public, name="commune_public"),
    # Officials and teams.
    path("criteria/communes/<str:code>/", views.commune_checklist, name="commune_checklist"),
    path("criteria/communes/<str:code>/rollup/", views.rollup_now, name="rollup_now"),
    path("criteria/communes/<str:code>/dossier/", views.dossier_print, name="dossier_print"),
    path("criteria/communes/<str:code>/dossier.xlsx", views.dossier_xlsx, name="dossier_xlsx"),
    path(
        "criteria/communes/<str:code>/evidence/<int:criterion_pk>/",
        views.evidence_create,
        name="evidence_create",
    ),
    path("criteria/evidence/<int:pk>/file/", views.evidence_file, name="evidence_file"),
    path("criteria/villages/<str:code>/", views.village_checklist, name="village_checklist"),
    path("criteria/gaps/<int:criterion_pk>/<str:target>/", views.gap_list, name="gap_list"),
    path("criteria/trend/<int:criterion_pk>/<str:target>/", views.trend, name="trend"),
]
