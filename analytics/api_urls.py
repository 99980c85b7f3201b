from rest_framework.routers import SimpleRouter

from analytics.api import AnalysisRunViewSet

router = SimpleRouter()
router.register("analysis-runs", AnalysisRunViewSet, basename="analysis-run")

urlpatterns = router.urls
