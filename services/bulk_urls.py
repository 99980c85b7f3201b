from django.urls import path

from services import bulk_views

app_name = "bulk"

urlpatterns = [
    path("upload/", bulk_views.bulk_upload, name="upload"),
    path("template/<str:kind>.<str:fmt>", bulk_views.upload_template, name="template"),
    path("codes/<str:kind>.csv", bulk_views.upload_codes, name="codes"),
    path("export/requests.<str:fmt>", bulk_views.requests_export, name="requests_export"),
    path("export/public.<str:fmt>", bulk_views.public_export, name="public_export"),
]
