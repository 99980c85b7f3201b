"""REST API for communities and resident profiles (``/api/v1/``).

Views get their querysets from ``residents.queries`` (so anything outside the caller's scope
is 404), validate with a serializer, call an action, and return. Identifiers appear masked in
every response except the audited ``reveal``, and are only ever sent in request bodies.
"""

from __future__ import annotations

from typing import NoReturn

import django_filters
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ApiViewMixin, ErrorSerializer, IsWorkerOrAdministrator
from core.booleans import BooleanQueryFilter
from core.errors import LimitReached
from core.ids import IdFilter
from core.pagination import ApiCursorPagination
from residents import actions, queries
from residents.login_protection import password_confirmed
from residents.models import Community, PersonalDataAccess, Resident
from residents.serializers import (
    IDENTIFIER_LOOKUP_SCHEMA,
    CommunitySerializer,
    IdentifierLookupSerializer,
    PasswordChangedSerializer,
    PasswordChangeSerializer,
    PortraitWriteSerializer,
    ResidentLookupResultSerializer,
    ResidentSerializer,
    ResidentWriteSerializer,
    RevealedIdentifiersSerializer,
)


class CommunityCursorPagination(ApiCursorPagination):
    ordering = ("code",)


class CommunityFilter(django_filters.FilterSet):
    city = django_filters.CharFilter(field_name="city__adcode", help_text="City adcode.")
    region = django_filters.CharFilter(field_name="city__region__code")

    class Meta:
        model = Community
        fields = ["city", "region", "kind", "district"]


@extend_schema_view(
    list=extend_schema(summary="List communities (reference data, any signed-in user)"),
    retrieve=extend_schema(summary="One community"),
)
class CommunityViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"[0-9]+"
    serializer_class = CommunitySerializer
    pagination_class = CommunityCursorPagination
    filterset_class = CommunityFilter

    def get_queryset(self):
        return queries.community_list(user=self.request.user)


class ResidentFilter(django_filters.FilterSet):
    # Never a filter on an identifier: those are looked up by POST (``lookup``).
    # An id, not a choice among the communities: an unknown one lists nothing rather than
    # being a 400 (the schema can say "a whole number", not which communities exist).
    community = IdFilter(field_name="community_id")
    erased = BooleanQueryFilter(
        field_name="erased_at", lookup_expr="isnull", exclude=True, help_text="Erased profiles."
    )

    class Meta:
        model = Resident
        fields = ["community", "erased"]


@extend_schema_view(
    list=extend_schema(
        summary="List resident profiles in scope (identifiers masked)",
        description=(
            "Residents see their own profile; workers the profiles of their communities; "
            "administrators all."
        ),
    ),
    retrieve=extend_schema(summary="One resident profile (identifiers masked)"),
    create=extend_schema(
        summary="Create a resident profile",
        description=(
            "Workers in the communities they serve; administrators anywhere; a resident login "
            "without a profile creates its own. Identifiers are write-only."
        ),
        request=ResidentWriteSerializer,
        responses={201: ResidentSerializer},
    ),
    update=extend_schema(request=ResidentWriteSerializer, responses=ResidentSerializer),
    partial_update=extend_schema(
        summary='Change a resident profile (only the fields sent; "" clears an identifier)',
        request=ResidentWriteSerializer,
        responses=ResidentSerializer,
    ),
    destroy=extend_schema(
        summary="Erase the resident's personal data and close their login",
        description=(
            "The resident themself or an administrator. Identifiers and the login go; the "
            "profile's coarse facts and the requests' statistics stay."
        ),
        responses={204: None},
    ),
)
class ResidentViewSet(ApiViewMixin, viewsets.ModelViewSet):
    lookup_value_regex = r"[0-9]+"
    serializer_class = ResidentSerializer
    pagination_class = ApiCursorPagination
    filterset_class = ResidentFilter

    def get_queryset(self):
        return queries.resident_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return ResidentWriteSerializer
        return ResidentSerializer

    def get_permissions(self):
        if self.action == "lookup":
            return [permissions.IsAuthenticated(), IsWorkerOrAdministrator()]
        return super().get_permissions()

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = ResidentWriteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        resident = actions.resident_create(user=request.user, **serializer.validated_data)
        return Response(ResidentSerializer(resident).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args, **kwargs) -> Response:
        resident = self.get_object()
        serializer = ResidentWriteSerializer(
            resident,
            data=request.data,
            partial=kwargs.get("partial", False),
            context={"request": request},
        )
        serializer.is_valid(raise_exception=True)
        resident = actions.resident_update(
            user=request.user, resident=resident, **serializer.validated_data
        )
        return Response(ResidentSerializer(resident).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        resident = self.get_object()
        actions.resident_erase(
            user=request.user,
            resident=resident,
            delete_account=True,
            channel=PersonalDataAccess.Channel.API,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="The signed-in resident's own profile",
        responses={200: ResidentSerializer, 404: OpenApiResponse(description="No profile.")},
    )
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        resident = queries.resident_own_profile(user=request.user)
        if resident is None:
            raise Http404
        return Response(ResidentSerializer(resident).data)

    @extend_schema(
        methods=["POST"],
        summary="Store the portrait facts with the resident's consent",
        description=(
            "All the facts, with consent: true (the resident, or a worker recording what the "
            "resident agreed to in person). Records the consent with the purpose version "
            "and time. Residents for themselves, workers for their communities."
        ),
        request=PortraitWriteSerializer,
        responses={200: ResidentSerializer},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Withdraw consent: the portrait facts are deleted and left out of analysis",
        request=None,
        responses={200: ResidentSerializer},
    )
    @action(detail=True, methods=["post", "delete"])
    def portrait(self, request: Request, pk: str | None = None) -> Response:
        resident = self.get_object()
        if request.method == "DELETE":
            actions.resident_portrait_withdraw(user=request.user, resident=resident)
        else:
            serializer = PortraitWriteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            actions.resident_portrait_save(
                user=request.user, resident=resident, portrait=serializer.portrait()
            )
        # Read again: the consent shown is the one now standing.
        return Response(ResidentSerializer(self.get_object()).data)

    @extend_schema(
        summary="Reveal a resident's identifiers (audited)",
        description=(
            "Workers for the residents of their communities, administrators for all. Each call "
            "records who saw which resident's identifiers, when and through which channel "
            "(never the identifiers). The response must not be cached."
        ),
        request=None,
        responses={200: RevealedIdentifiersSerializer},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        resident = self.get_object()
        revealed = actions.resident_identifiers_reveal(
            user=request.user, resident=resident, channel=PersonalDataAccess.Channel.API
        )
        response = Response(RevealedIdentifiersSerializer(revealed).data)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        summary="Find residents by exact national ID or phone (sent in the body)",
        description=(
            "Exactly one of national_id or phone. Matched through a keyed hash within the "
            "caller's communities; results are masked. Identifiers never go in URLs. Each "
            "user has an hourly allowance of lookups (IDENTIFIER_LOOKUPS_PER_HOUR); beyond it "
            "the answer is 429 with Retry-After."
        ),
        request=IDENTIFIER_LOOKUP_SCHEMA,
        responses={
            200: ResidentLookupResultSerializer,
            429: OpenApiResponse(description="The hourly allowance of lookups is used up."),
        },
    )
    @action(detail=False, methods=["post"])
    def lookup(self, request: Request) -> Response:
        serializer = IdentifierLookupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        found = actions.residents_find_by_identifier(user=request.user, **serializer.validated_data)
        response = Response({"results": ResidentSerializer(found[:20], many=True).data})
        response["Cache-Control"] = "no-store"
        return response


class PasswordChangeView(ApiViewMixin, APIView):
    """``me/password/``: everyone's own password change, by the page's rule."""

    @extend_schema(
        summary="Change your own password",
        description=(
            "The current password is checked as a login checks it: a wrong one counts as a "
            "failed login of your user name, and once the name is locked (as at the login "
            "page) the answer is 429, even to the right password. The new password follows "
            "the site's password rules. Every other session and every API token of the "
            "account ends; a call made with a token gets a new one in `token` (null for a "
            "call made in a signed-in browser session, which stays signed in). The login's "
            "credentials in other apps end too: `ended` lists each kind that ended something, "
            "how many, and what to tell the person, in their language."
        ),
        request=PasswordChangeSerializer,
        responses={
            200: PasswordChangedSerializer,
            400: OpenApiResponse(
                description=(
                    "Refused by field: current_password not correct, or new_password against "
                    "the password rules."
                )
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="Too many wrong passwords: the user name is locked for a while.",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        http_request = request._request
        if not password_confirmed(
            http_request,
            user=request.user,
            password=serializer.validated_data["current_password"],
        ):
            _refuse_current_password(http_request)
        with_token = isinstance(request.successful_authenticator, TokenAuthentication)
        changed = actions.account_password_change(
            user=request.user,
            new_password=serializer.validated_data["new_password"],
            field="new_password",
            new_token=with_token,
        )
        if with_token:
            detail = _(
                "Your password has been changed. Your other sessions are signed out and your "
                "other API tokens no longer work: use the new token given here."
            )
        else:
            update_session_auth_hash(http_request, changed.user)  # this session stays
            detail = _(
                "Your password has been changed. Your other sessions are signed out and "
                "your API tokens no longer work."
            )
        response = Response(
            PasswordChangedSerializer(
                {"detail": detail, "token": changed.token, "ended": changed.ended}
            ).data
        )
        response["Cache-Control"] = "no-store"
        return response


def _refuse_current_password(http_request) -> NoReturn:
    """A wrong current password is 400 naming the field; a locked user name is 429 in the
    API's own error body (django-axes' middleware would otherwise answer it as a page)."""
    if getattr(http_request, "axes_locked_out", False):
        http_request.axes_locked_out = False
        raise LimitReached(
            _("Too many wrong passwords: this account is locked for a while. Try again later."),
            retry_after=int(settings.AXES_COOLOFF_TIME.total_seconds()),
        )
    raise ValidationError({"current_password": [_("The password is not correct.")]})


__all__ = [
    "ApiViewMixin",
    "CommunityViewSet",
    "IsWorkerOrAdministrator",
    "PasswordChangeView",
    "ResidentViewSet",
]
