from django.urls import path

from . import views

app_name = "ocop"

urlpatterns = [
    path("s/<str:serial>", views.stamp_public, name="stamp_public"),
    path("ocop/", views.catalogue, name="catalogue"),
    path("ocop/<int:pk>/", views.product_detail, name="product_detail"),
    path("ocop/batches/<int:pk>/<str:kind>/", views.batch_file, name="batch_file"),
]
