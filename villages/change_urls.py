"""Administrative changes of a province (villages.change_views): the province's NTM office."""

from django.urls import path

from . import change_views

app_name = "units"

urlpatterns = [
    path("province/<str:code>/changes/", change_views.changes, name="changes"),
    path("province/<str:code>/changes/move/", change_views.village_move, name="village_move"),
    path("province/<str:code>/changes/merge/", change_views.commune_merge, name="commune_merge"),
]
