from django.urls import path

from . import account_views, views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("after-login/", views.after_login, name="after_login"),
    path("language/<str:code>/", views.switch_language, name="switch_language"),
    path("field/sw.js", views.field_service_worker, name="field_service_worker"),
    path("field/manifest.webmanifest", views.field_manifest, name="field_manifest"),
    path("field/outbox/", views.field_outbox, name="field_outbox"),
    path("field/offline/", views.field_offline, name="field_offline"),
    path(
        "accounts/team/<int:pk>/reset-password/",
        account_views.team_password_reset,
        name="team_password_reset",
    ),
]
