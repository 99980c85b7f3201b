"""Template context every page needs."""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest

from residents.queries import demo_city_present

# Checked at most once a minute per cache: seeding or removing the demo is rare, pages are not.
_DEMO_CACHE_KEY = "residents:demo-city-present"
_DEMO_CACHE_SECONDS = 60


def synthetic_data(request: HttpRequest) -> dict[str, bool]:
    """``synthetic_data``: the database holds the SYNTHETIC demo city, so every page says so."""
    present = cache.get(_DEMO_CACHE_KEY)
    if present is None:
        present = demo_city_present()
        cache.set(_DEMO_CACHE_KEY, present, _DEMO_CACHE_SECONDS)
    return {"synthetic_data": present}
