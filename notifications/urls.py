from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_centre, name="centre"),
    path("<int:pk>/read/", views.notification_open, name="open"),
    path("read-all/", views.notifications_read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
]
