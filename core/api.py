"""What every app's API shares: authentication and permission mixins, serializer bases that never
echo input, the error body shape, and the API-wide error handling (every error body names what
is wrong; nothing leaks a traceback).

The actions raise domain errors (``core.errors``); ``exception_handler`` is the one place that
turns them into HTTP statuses:

* ``ValidationError`` (Django's or DRF's) → 400 with field-level messages;
* ``ActionNotAllowed`` → 403 with its message;
* ``StateConflict`` → 409; ``InvalidTransition`` → 409 naming ``allowed_transitions``;
* ``IdempotencyKeyReused`` → 422 naming the original request;
* ``LimitReached`` → 429 with ``Retry-After``;
* ``ServiceUnavailable`` → 503 with ``Retry-After``.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import (
    ActionNotAllowed,
    IdempotencyKeyReused,
    InvalidTransition,
    LimitReached,
    ServiceUnavailable,
    StateConflict,
)
from core.localisation import choices_with_codes, join_sentences
from core.roles import is_administrator, is_worker

logger = logging.getLogger(__name__)


class ApiViewMixin:
    """Token first, so an unauthenticated call gets 401 with ``WWW-Authenticate: Token``;
    the browsable API and the web pages' session work too."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    def initial(self, request: Request, *args, **kwargs) -> None:
        # The API has no language prefix, so the locale middleware leaves it in English; its
        # messages for people (errors, 409 texts) follow the caller's Accept-Language (or
        # the site's language cookie) instead, English when neither names one of ours.
        language = translation.get_language_from_request(request._request, check_path=False)
        translation.activate(language)
        request._request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)


class IsWorkerOrAdministrator(permissions.BasePermission):
    message = _("Only community workers and administrators may do this.")

    def has_permission(self, request: Request, view) -> bool:
        return is_worker(request.user) or is_administrator(request.user)


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (for the schema)."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


# Related-field errors that do not echo the submitted value: a value typed into the wrong
# field may be a phone or ID number, and error bodies never carry identifiers.
RELATED_ERRORS_WITHOUT_ECHO = {
    "does_not_exist": _("No such object, or not one you may use."),
    "incorrect_type": _("Give the id as a number."),
}


class CodeRelatedField(serializers.SlugRelatedField):
    """An object named by its code. A code holding a NUL names nothing: PostgreSQL refuses a
    NUL in any text it is asked to compare, so the lookup was a server error (schemathesis on
    PostgreSQL, December 2026); it is "no such object" before the database is asked."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value="")
        return super().to_internal_value(data)


class ChoiceFieldWithoutEcho(serializers.ChoiceField):
    """A choice field whose error names the allowed values instead of echoing the input (DRF's
    says ``"<input>" is not a valid choice.``), for the same reason as above: each by its label
    in the caller's language with the code to send in brackets (``core.localisation``)."""

    default_error_messages = {"invalid_choice": _("Choose one of: {choices}.")}

    def fail(self, key: str, **kwargs) -> None:
        if key == "invalid_choice":
            kwargs = {"choices": choices_with_codes(self.choices.items())}
        super().fail(key, **kwargs)


class WritableChoiceField(ChoiceFieldWithoutEcho):
    """A choice a client may write only some values of: it reads every value a row can hold
    (``choices``) and accepts the ``writable`` ones. The schema lists each set for its
    direction (``core.api_schema.WritableChoiceFieldSchema``), so a value it offers for
    writing is never refused as not writable."""

    def __init__(self, *, choices, writable, **kwargs) -> None:
        self.read_choices = list(choices)
        writable = set(writable)
        super().__init__(
            choices=[(value, label) for value, label in self.read_choices if value in writable],
            **kwargs,
        )


class ApiModelSerializer(serializers.ModelSerializer):
    """The API's model serializers: choice fields built from model fields never echo input."""

    serializer_choice_field = ChoiceFieldWithoutEcho

    def include_extra_kwargs(self, kwargs: dict, extra_kwargs: dict) -> dict:
        # DRF drops ``allow_blank`` from a field made read-only, so the schema listed only the
        # choices for a read-only choice of a model field that may be blank, while responses
        # carry "" (a resident's portrait facts without consent; schemathesis, December 2026).
        blank = kwargs.get("allow_blank", False)
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank and kwargs.get("read_only") and "choices" in kwargs:
            kwargs["allow_blank"] = True
        return kwargs


def _validation_detail(exc: DjangoValidationError) -> dict:
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    detail = {}
    for field, messages in exc.message_dict.items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field
        detail.setdefault(key, []).extend(messages)
    return detail


def _domain_response(exc: Exception) -> Response | None:
    if isinstance(exc, InvalidTransition):
        return Response(
            {
                "detail": exc.messages[0],
                "code": "invalid_transition",
                "current_status": exc.current,
                "requested_status": exc.requested,
                "allowed_transitions": list(exc.allowed),
                "allowed_actions": list(exc.allowed_actions),
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IdempotencyKeyReused):
        return Response(
            {
                "detail": exc.messages[0],
                "code": "idempotency_key_reused",
                "original_request": exc.original_id,
            },
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    if isinstance(exc, LimitReached):
        return Response(
            {"detail": exc.messages[0], "code": "rate_limited"},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, ServiceUnavailable):
        return Response(
            {"detail": exc.messages[0], "code": "service_unavailable"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, StateConflict):
        return Response(
            {"detail": join_sentences(*exc.messages), "code": "conflict"}, status=exc.http_status
        )
    if isinstance(exc, ActionNotAllowed):
        return Response(
            {"detail": str(exc) or str(_("You may not do this.")), "code": "permission_denied"},
            status=status.HTTP_403_FORBIDDEN,
        )
    return None


def exception_handler(exc, context):
    response = _domain_response(exc)
    if response is not None:
        return response
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(detail=_validation_detail(exc))
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, IntegrityError):
        # A constraint the serializer could not see (e.g. a concurrent duplicate): a conflict,
        # not a server error. The database message may quote values, so it is not echoed.
        logger.warning("integrity error in %s", context.get("view").__class__.__name__)
        return Response(
            {"detail": "The change conflicts with existing data."}, status=status.HTTP_409_CONFLICT
        )
    return None
