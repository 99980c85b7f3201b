from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from core.views import set_language
from services.media import request_photo

# The admin's header and title name the product in the reader's language, not "Django
# administration" (its Chinese reads "Django 站点管理员", as if a page of Django's own).
admin.site.site_header = _("Community public services")
admin.site.site_title = _("Community public services")

API_VIEWER_CSP = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["'self'", "blob:"]})

urlpatterns = [
    # Our set_language (see its docstring) shadows Django's; the rest of i18n/ is Django's.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The viewers' own pages hold a <style> element (and ReDoc styles itself at run time):
    # styles are relaxed there, scripts never. Swagger UI's start-up script is a file.
    path(
        "api/docs/",
        API_VIEWER_CSP(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        API_VIEWER_CSP(SpectacularRedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
    path("api/v1/", include("config.api_urls")),
    path("open311/v2/", include("services.open311.urls")),
    # Uploaded photos, with or without DEBUG, only to those who may see their request.
    re_path(r"^media/(?P<name>requests/[^\x00]+)$", request_photo, name="request_photo"),
]
urlpatterns += i18n_patterns(
    # The admin speaks the administrator's language too: English at /admin/, Chinese at
    # /zh-hans/admin/ (a visitor preferring Chinese is sent there, core.middleware).
    path("admin/", admin.site.urls),
    path("bulk/", include("services.bulk_urls")),
    path("", include("residents.urls")),
    path("analytics/", include("analytics.urls")),
    path("notifications/", include("notifications.urls")),
    prefix_default_language=False,
)
# Errors under /api/ are JSON like the rest of the API (core/api_guards.py).
handler400 = "core.api_guards.bad_request"
handler403 = "core.api_guards.permission_denied"
handler404 = "core.api_guards.page_not_found"
handler500 = "core.api_guards.server_error"
