"""Open311 settings, each read with a default so the endpoint works with no configuration."""

from __future__ import annotations

from django.conf import settings

# GeoReport v2, "Response Volume": a query covers at most 90 days and returns at most 1000
# requests.
DEFAULT_WINDOW_DAYS = 90
MAX_REQUESTS = 1000
MAX_DESCRIPTION_LENGTH = 4000
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def jurisdiction_id() -> str:
    """The one jurisdiction this endpoint serves (the spec suggests the site's domain)."""
    return getattr(settings, "OPEN311_JURISDICTION_ID", "precision-supply.local")


def description_is_public() -> bool:
    """Whether GET requests show what residents wrote. Off by default: a free-text description
    may name a person or their health, and GET requests are public."""
    return bool(getattr(settings, "OPEN311_PUBLIC_DESCRIPTION", False))


def min_residents() -> int:
    """k: the fewest registered residents a place shown in GET requests must have. A request
    from a community with fewer is shown at its district (or city), with its times to the
    day; one whose whole city has fewer is not shown."""
    return int(getattr(settings, "OPEN311_MIN_RESIDENTS", 10))


def places_cache_seconds() -> int:
    """How long the places of the public feed (how finely each community may be shown) are
    kept before the residents are counted again; 0 counts them on every GET. A community
    that falls below k is shown by its wider place at the latest this long after."""
    return int(getattr(settings, "OPEN311_PLACES_CACHE_SECONDS", 300))


def nearest_community_max_km() -> float:
    """How far a submitted ``lat``/``long`` may be from a community's centre to count as in it."""
    # One distance rule with every other channel's (``REQUEST_LOCATION_MAX_KM``): a point
    # placed in a community here is then checked against it by ``request_submit``.
    return float(
        getattr(settings, "OPEN311_NEAREST_COMMUNITY_MAX_KM", settings.REQUEST_LOCATION_MAX_KM)
    )


def contact() -> str:
    return getattr(
        settings,
        "OPEN311_CONTACT",
        "Contact the administrators of this site for help with the Open311 endpoint.",
    )


def key_service() -> str:
    return getattr(
        settings,
        "OPEN311_KEY_SERVICE",
        "API keys for submitting requests are issued by the administrators of this site.",
    )
