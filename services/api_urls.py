from django.urls import path
from rest_framework.routers import SimpleRouter

from services.api import (
    CapacityViewSet,
    CategoryViewSet,
    MyDataView,
    ReviewTaskViewSet,
    ServiceRequestViewSet,
)

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("requests", ServiceRequestViewSet, basename="request")
router.register("capacities", CapacityViewSet, basename="capacity")
router.register("review-tasks", ReviewTaskViewSet, basename="review-task")

urlpatterns = [
    path("residents/me/data/", MyDataView.as_view(), name="resident-my-data"),
    *router.urls,
]
