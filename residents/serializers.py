"""API shapes for communities and resident profiles. Serializers validate input and shape
output; writes go through ``residents.actions``.

Identifiers (name, phone, national ID) are write-only: every normal response carries only the
``masked_*`` forms. The clear values leave the server only through the audited reveal.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from core.api import RELATED_ERRORS_WITHOUT_ECHO, ApiModelSerializer
from residents import pii
from residents.actions import NAME_MAX_LENGTH, PortraitAnswers, normalised_identifier
from residents.models import PORTRAIT_FIELDS, Community, PortraitConsent, Resident
from residents.queries import community_choices, standing_portrait_consent


class CommunitySerializer(ApiModelSerializer):
    city = serializers.CharField(source="city.adcode", read_only=True, help_text="City adcode.")
    city_name = serializers.CharField(source="city.name", read_only=True)
    province = serializers.CharField(source="city.province", read_only=True)
    region = serializers.CharField(source="city.region.code", read_only=True)

    class Meta:
        model = Community
        fields = [
            "id",
            "code",
            "name",
            "district",
            "kind",
            "population",
            "households",
            "schools",
            "latitude",
            "longitude",
            "city",
            "city_name",
            "province",
            "region",
        ]
        read_only_fields = fields


class PortraitConsentSerializer(ApiModelSerializer):
    class Meta:
        model = PortraitConsent
        fields = ["version", "given_at"]
        read_only_fields = fields


class ResidentSerializer(ApiModelSerializer):
    """A profile as every normal response shows it: identifiers masked. The portrait facts
    are null or empty unless the resident consented (``portrait_consent``)."""

    masked_name = serializers.CharField(read_only=True)
    masked_phone = serializers.CharField(read_only=True)
    masked_national_id = serializers.CharField(read_only=True)
    has_account = serializers.SerializerMethodField()
    portrait_consent = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = [
            "id",
            "community",
            "masked_name",
            "masked_phone",
            "masked_national_id",
            "birth_year",
            "gender",
            "household_size",
            "children_in_household",
            "elderly_living_alone",
            "employment_status",
            "income_band",
            "education",
            "health_needs",
            "hukou_type",
            "preferred_channel",
            "has_account",
            "portrait_consent",
            "created_at",
            "updated_at",
            "erased_at",
        ]
        read_only_fields = fields

    def get_has_account(self, resident: Resident) -> bool:
        return resident.user_id is not None

    @extend_schema_field(PortraitConsentSerializer(allow_null=True))
    def get_portrait_consent(self, resident: Resident) -> dict | None:
        consent = standing_portrait_consent(resident)
        return PortraitConsentSerializer(consent).data if consent else None


def _checked_identifier(validate, value: str) -> str:
    """The normalised identifier; the error message names what is wrong, never the value."""
    if not value:
        return ""
    try:
        return validate(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None


class ResidentWriteSerializer(ApiModelSerializer):
    """Input for creating or changing a profile. On a change, only the fields sent change;
    an identifier sent as ``""`` is cleared."""

    community = serializers.PrimaryKeyRelatedField(
        error_messages=RELATED_ERRORS_WITHOUT_ECHO, queryset=Community.objects.none()
    )
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=NAME_MAX_LENGTH, write_only=True
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32, write_only=True)
    national_id = serializers.CharField(
        required=False, allow_blank=True, max_length=32, write_only=True
    )

    class Meta:
        model = Resident
        fields = [
            "community",
            "name",
            "phone",
            "national_id",
            "preferred_channel",
        ]
        validators: list = []  # one profile per national ID is checked by the action

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        self.fields["community"].queryset = community_choices(user=user)

    def validate_phone(self, value: str) -> str:
        return _checked_identifier(pii.validate_phone, value)

    def validate_national_id(self, value: str) -> str:
        return _checked_identifier(pii.validate_national_id, value)

    def validate(self, attrs: dict) -> dict:
        sent = self.initial_data if isinstance(self.initial_data, dict) else {}
        portrait = [name for name in PORTRAIT_FIELDS if name in sent]
        if portrait:
            raise serializers.ValidationError(
                {
                    name: [
                        "Portrait facts are stored only with the resident's consent: send "
                        "them to POST /api/v1/residents/{id}/portrait/."
                    ]
                    for name in portrait
                }
            )
        return attrs


@extend_schema_field(
    {
        "type": "boolean",
        "enum": [True],
        "description": "Must be true: the resident agreed to the stated purpose of these facts.",
    }
)
class ConsentField(serializers.BooleanField):
    """A consent given: only ``true`` is accepted, and the schema says so (a client reading
    it would otherwise think ``false`` stores the facts)."""


class PortraitWriteSerializer(ApiModelSerializer):
    """The portrait facts, all of them, with ``consent`` true: the person agreed to the
    purpose stated in docs/security.md (version ``PORTRAIT_PURPOSE_VERSION``)."""

    consent = ConsentField(write_only=True)
    elderly_living_alone = serializers.BooleanField()

    class Meta:
        model = Resident
        fields = [*PORTRAIT_FIELDS, "consent"]
        extra_kwargs = {
            name: {"required": True, "allow_null": False}
            for name in ("birth_year", "household_size", "children_in_household")
        } | {
            name: {"required": True, "allow_blank": False}
            for name in PORTRAIT_FIELDS
            if name not in ("birth_year", "household_size", "children_in_household")
            and name != "elderly_living_alone"
        }

    def validate_consent(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError("Consent is needed to store these facts.")
        return value

    def portrait(self) -> PortraitAnswers:
        return PortraitAnswers(**{name: self.validated_data[name] for name in PORTRAIT_FIELDS})


class RevealedIdentifiersSerializer(serializers.Serializer):
    """The clear identifiers, returned only by the audited reveal."""

    name = serializers.CharField()
    phone = serializers.CharField()
    national_id = serializers.CharField()


class IdentifierLookupSerializer(serializers.Serializer):
    """Exactly one of ``national_id`` or ``phone``, sent in the body (never in a URL)."""

    national_id = serializers.CharField(
        required=False, allow_blank=True, max_length=32, write_only=True
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32, write_only=True)

    def validate(self, attrs: dict) -> dict:
        return normalised_identifier(
            national_id=attrs.get("national_id", ""), phone=attrs.get("phone", "")
        )


def _lookup_by(given: str, other: str) -> type[serializers.Serializer]:
    """For the schema: a lookup body with ``given`` (required, not blank) and ``other``
    absent or blank."""
    return type(
        f"LookupBy{given.title().replace('_', '')}Serializer",
        (serializers.Serializer,),
        {
            given: serializers.CharField(
                max_length=32, write_only=True, validators=[RegexValidator(r"\S")]
            ),
            other: serializers.CharField(
                required=False, allow_blank=True, max_length=0, write_only=True
            ),
        },
    )


# The body of a lookup as the schema documents it: exactly one identifier, which
# ``IdentifierLookupSerializer`` enforces (a body with neither, or both, is a 400).
IDENTIFIER_LOOKUP_SCHEMA = PolymorphicProxySerializer(
    component_name="IdentifierLookup",
    serializers=[_lookup_by("national_id", "phone"), _lookup_by("phone", "national_id")],
    resource_type_field_name=None,
)


class ResidentLookupResultSerializer(serializers.Serializer):
    results = ResidentSerializer(many=True)


class PasswordChangeSerializer(serializers.Serializer):
    """``POST /api/v1/me/password/``: the current password and the new one. Neither is ever
    echoed; the new one follows the site's password rules (the action's)."""

    current_password = serializers.CharField(
        write_only=True, trim_whitespace=False, max_length=4096
    )
    new_password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=4096)


class CredentialsEndedSerializer(serializers.Serializer):
    """One kind of the login's credentials in other apps that its new password ended, and
    how many, as its owner is told."""

    kind = serializers.CharField(
        help_text=(
            "What ended, as a stable code for programs, set by the app that holds the credential."
        )
    )
    count = serializers.IntegerField(min_value=1, help_text="How many ended.")
    message = serializers.CharField(
        source="to_owner",
        help_text="What ended and what to do, in the caller's language, to show to a person.",
    )


class PasswordChangedSerializer(serializers.Serializer):
    """The answer to a password change: what happened, a new token when the call came with
    one (its old token, and every other, no longer works), and the other credentials the old
    password took with it."""

    detail = serializers.CharField()
    token = serializers.CharField(allow_null=True)
    ended = CredentialsEndedSerializer(
        many=True,
        help_text=(
            "The login's credentials in other apps that ended with the old password, one item "
            "per kind that ended something; empty when nothing else ended."
        ),
    )
