from django.urls import include, path

urlpatterns = [
    path("", include("residents.api_urls")),
    path("", include("services.api_urls")),
    path("", include("analytics.api_urls")),
    path("", include("notifications.api_urls")),
]
