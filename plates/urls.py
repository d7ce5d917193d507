from django.urls import path

from . import views

app_name = "plates"

urlpatterns = [
    # Public: what the plate's QR code opens, and the "this is wrong" report.
    path("a/<str:code>", views.address_public, name="address_public"),
    path("a/<str:code>/report", views.correction_create, name="correction_create"),
    # Field portal
    path("field/plates/", views.overview, name="overview"),
    path("field/plates/order/", views.batch_create, name="batch_create"),
    path("field/plates/batches/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("field/plates/batches/<int:pk>/printed/", views.batch_printed, name="batch_printed"),
    path("field/plates/batches/<int:pk>/retry/", views.batch_retry, name="batch_retry"),
    path("field/plates/batches/<int:pk>/<str:kind>/", views.batch_file, name="batch_file"),
    path("field/plates/<int:pk>/install/", views.plate_install, name="plate_install"),
    path(
        "field/plates/corrections/<int:pk>/",
        views.correction_resolve,
        name="correction_resolve",
    ),
]
