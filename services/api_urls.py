from rest_framework.routers import SimpleRouter

from services.api import CapacityViewSet, CategoryViewSet, ServiceRequestViewSet

router = SimpleRouter()
router.register("categories", CategoryViewSet, basename="category")
router.register("requests", ServiceRequestViewSet, basename="request")
router.register("capacities", CapacityViewSet, basename="capacity")

urlpatterns = router.urls
