"""The project's Open311 and admin routes alone, so these tests do not depend on pages that
other parts of the project are still building. ``test_urls.py`` checks the project mounts the
same routes at the same place."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("open311/v2/", include("services.open311.urls")),
    path("admin/", admin.site.urls),
]
