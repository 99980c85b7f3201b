"""The notification centre over the API (``/api/v1/notifications/``): a person lists, reads
and marks read their own notifications only (anyone else's is 404). Titles and bodies are in
the person's notification language (their preferences), as their email and SMS are."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiViewMixin, ErrorSerializer
from core.pagination import ApiCursorPagination
from notifications import actions, queries
from notifications.models import Notification
from notifications.texts import message_in


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "request_id",
            "title",
            "body",
            "link",
            "created_at",
            "read",
            "read_at",
        ]
        read_only_fields = fields

    def get_title(self, item: Notification) -> str:
        return message_in(item.texts, self.context.get("language")).title

    def get_body(self, item: Notification) -> str:
        return message_in(item.texts, self.context.get("language")).body

    def get_read(self, item: Notification) -> bool:
        return item.read_at is not None


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class NotificationPagination(ApiCursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(summary="Your notifications, newest first"),
    retrieve=extend_schema(
        summary="One of your notifications",
        responses={200: NotificationSerializer, 404: OpenApiResponse(ErrorSerializer)},
    ),
)
class NotificationViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = NotificationSerializer
    pagination_class = NotificationPagination
    filter_backends: list = []

    def get_queryset(self):
        return queries.notification_list(user=self.request.user)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if self.request.user.is_authenticated:
            context["language"] = queries.preference_for(user=self.request.user).language
        return context

    @extend_schema(
        summary="Mark one of your notifications read",
        request=None,
        responses={200: NotificationSerializer, 404: OpenApiResponse(ErrorSerializer)},
    )
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        try:
            notification = actions.notification_mark_read(
                user=request.user, notification_id=int(pk)
            )
        except (Notification.DoesNotExist, TypeError, ValueError):
            raise Http404 from None
        return Response(
            NotificationSerializer(notification, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Mark all your notifications read", request=None, responses=ReadAllSerializer
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = actions.notifications_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": queries.unread_count(user=request.user)})
