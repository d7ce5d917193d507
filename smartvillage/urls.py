from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("villages.urls")),
    path("", include("villages.change_urls")),  # administrative changes (issue 17 item 6)
    path("", include("households.urls")),
    path("", include("digital_teams.urls")),
    path("", include("payments.urls")),
    path("", include("ocop.urls")),
    path("", include("criteria.urls")),
    path("", include("dashboards.urls")),
    path("", include("provinces.urls")),
    path("", include("plates.urls")),
    path("", include("api.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
