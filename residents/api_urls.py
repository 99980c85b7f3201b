from rest_framework.routers import SimpleRouter

from residents.api import CommunityViewSet, ResidentViewSet

router = SimpleRouter()
router.register("communities", CommunityViewSet, basename="community")
router.register("residents", ResidentViewSet, basename="resident")

urlpatterns = router.urls
