"""The notification centre over the API (``/api/v1/notifications/``): a person lists, reads
and marks read their own notifications only (anyone else's is 404). Titles and bodies are in
the person's notification language (their preferences), as their email and SMS are.

``/api/v1/notifications/preferences/`` reads (GET) and changes (PATCH) the person's own
preferences through ``actions.preference_save``, the preferences page's write path."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import ApiViewMixin, ChoiceFieldWithoutEcho, ErrorSerializer
from core.pagination import ApiCursorPagination
from notifications import actions, queries
from notifications.models import Channel, Notification, Preference
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


class PreferenceSerializer(serializers.Serializer):
    """One person's notification preferences: each channel may be turned off; the preferred
    outside channel must be one that is on (and one the person can be reached on)."""

    in_app = serializers.BooleanField(
        required=False, help_text="Notifications in the notification centre (false: opt out)."
    )
    email = serializers.BooleanField(required=False, help_text="Email (false: opt out).")
    sms = serializers.BooleanField(
        required=False,
        help_text="Text messages (false: opt out). Offered to residents with a phone number only.",
    )
    preferred_channel = ChoiceFieldWithoutEcho(
        choices=Channel.choices,
        required=False,
        help_text="The one outside channel each notification is also sent on; in_app: none.",
    )
    language = ChoiceFieldWithoutEcho(
        choices=settings.LANGUAGES,
        required=False,
        help_text="Language of the notifications (centre over the API, email, SMS).",
    )
    channels_offered = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="The channels this person can be reached on.",
    )

    @staticmethod
    def of(preference: Preference, offered: tuple[str, ...], route: queries.Route) -> dict:
        # The preferred channel is shown as what it does (``queries.route_for``): one that
        # cannot reach the person (email without an address, a channel turned off) reads as
        # the notification centre only, so a PATCH of one field does not fail on a choice
        # that has no effect.
        return {
            "in_app": preference.in_app,
            "email": preference.email,
            "sms": preference.sms and Channel.SMS in offered,
            "preferred_channel": route.external or Channel.IN_APP,
            "language": preference.language,
            "channels_offered": [str(c) for c in offered],
        }


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

    def _preferences_data(self, preference: Preference, offered: tuple[str, ...]) -> dict:
        user = self.request.user
        route = queries.route_for(user=user, preference=preference, offered=offered)
        return PreferenceSerializer.of(preference, offered, route)

    @extend_schema(
        methods=["GET"],
        summary="Your notification preferences",
        request=None,
        responses={200: PreferenceSerializer},
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Change your notification preferences (only the fields sent)",
        description=(
            "Turn a channel off (opt out) or on, choose the preferred outside channel "
            "(`in_app` for none) and the language. The preferred channel cannot be one that "
            "is off; `sms` needs a resident profile with a phone number; `email` an address "
            "on the account. Errors are 400 naming the field; nothing is saved then."
        ),
        request=PreferenceSerializer,
        responses={
            200: PreferenceSerializer,
            400: OpenApiResponse(
                description='Field-level messages: `{"<field>": ["message", ...]}`.'
            ),
        },
    )
    @action(detail=False, methods=["get", "patch"], url_path="preferences")
    def preferences(self, request: Request) -> Response:
        # Read once: the PATCH merges into this reading and answers with what was saved.
        offered = queries.channels_offered(user=request.user)
        current = self._preferences_data(queries.preference_for(user=request.user), offered)
        if request.method == "GET":
            return Response(current)
        serializer = PreferenceSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        merged = {**current, **serializer.validated_data}
        # The action's errors (Django's ValidationError, by field) are 400s (core.api).
        saved = actions.preference_save(
            user=request.user,
            in_app=merged["in_app"],
            email=merged["email"],
            sms=merged["sms"],
            preferred_channel=merged["preferred_channel"],
            language=merged["language"],
        )
        return Response(self._preferences_data(saved, offered))
