"""The product's URLs plus ``/bench/baseline/requests/``: a minimal DRF endpoint on the same
table (no scoping, no history, no idempotency), the yardstick for the product's own API."""

from django.urls import path
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination

from config.urls import urlpatterns as product_urlpatterns
from services.models import ServiceRequest


class BaselineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceRequest
        fields = ["id", "community", "category", "description", "urgency", "channel", "status"]
        read_only_fields = ["status"]


class BaselinePagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50


class BaselineRequests(generics.ListCreateAPIView):
    queryset = ServiceRequest.objects.all()
    serializer_class = BaselineSerializer
    pagination_class = BaselinePagination


urlpatterns = [
    path("bench/baseline/requests/", BaselineRequests.as_view()),
    *product_urlpatterns,
]
