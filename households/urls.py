from django.urls import path

from . import views

app_name = "households"

urlpatterns = [
    path("field/", views.household_list, name="household_list"),
    path("field/households/new/", views.household_create, name="household_create"),
    path("field/households/<int:pk>/", views.household_detail, name="household_detail"),
    path("field/households/<int:pk>/edit/", views.household_update, name="household_update"),
    path("field/households/<int:pk>/delete/", views.household_delete, name="household_delete"),
    path(
        "field/households/<int:pk>/residents/new/",
        views.resident_create,
        name="resident_create",
    ),
    path("field/households/<int:pk>/address/", views.address_edit, name="address_edit"),
    path("field/residents/<int:pk>/edit/", views.resident_update, name="resident_update"),
    path("field/residents/<int:pk>/delete/", views.resident_delete, name="resident_delete"),
    path("field/assets/", views.asset_list, name="asset_list"),
    path("field/assets/new/", views.asset_create, name="asset_create"),
    path("field/assets/<int:pk>/edit/", views.asset_update, name="asset_update"),
    path("field/assets/<int:pk>/delete/", views.asset_delete, name="asset_delete"),
    path("field/import/", views.import_start, name="import_start"),
    path("field/import/template.xlsx", views.import_template, name="import_template"),
    path("field/import/<int:pk>/", views.import_detail, name="import_detail"),
    path("field/import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("field/import/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
]
