from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    # Public (aggregates only).
    path("villages/<str:code>/", views.village_public, name="village_public"),
    # Officials and teams.
    path("dashboard/", views.official, name="official"),
    path("dashboard/map/", views.map_page, name="map"),
    path("dashboard/map/data.json", views.map_data, name="map_data"),
]
