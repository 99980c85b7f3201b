from django.urls import path
from rest_framework.routers import SimpleRouter

from residents.api import CommunityViewSet, PasswordChangeView, ResidentViewSet

router = SimpleRouter()
router.register("communities", CommunityViewSet, basename="community")
router.register("residents", ResidentViewSet, basename="resident")

urlpatterns = [
    path("me/password/", PasswordChangeView.as_view(), name="password-change"),
    *router.urls,
]
