from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:pk>/export/<slug:table>.csv", views.run_export, name="run_export"),
    path("runs/<slug:kind>/", views.run_list, name="run_list"),
    path("portraits/", views.portraits, name="portraits"),
    path("forecast/", views.forecast, name="forecast"),
    path("allocation/", views.allocation, name="allocation"),
    path("allocation/compare/", views.allocation_compare, name="allocation_compare"),
    path(
        "allocation/compare/scenarios.csv",
        views.allocation_compare_export,
        name="allocation_compare_export",
    ),
    path("allocation/<int:pk>/approve/", views.allocation_approve, name="allocation_approve"),
    path("allocation/<int:pk>/revoke/", views.allocation_revoke, name="allocation_revoke"),
    path("equalization/", views.equalization, name="equalization"),
    path("supply/", views.supply, name="supply"),
    path("supply/supply.csv", views.supply_export, name="supply_export"),
]
