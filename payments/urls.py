from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("payments/", views.overview, name="overview"),
    path("payments/entry/", views.entry, name="entry"),
    path("payments/import/", views.import_upload, name="import"),
    path("payments/import/<int:pk>/", views.import_detail, name="import_detail"),
    path("payments/import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("payments/import/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("payments/import/template.xlsx", views.import_template, name="import_template"),
    path("payments/export.csv", views.export_csv, name="export_csv"),
    path("payments/export.xlsx", views.export_xlsx, name="export_xlsx"),
]
