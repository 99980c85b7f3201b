"""How precisely the public feed may place a request."""

from __future__ import annotations

from enum import Enum


class Place(Enum):
    """The finest unit GET requests shows a request at (``queries.PublicPlaces``)."""

    COMMUNITY = "community"
    DISTRICT = "district"
    CITY = "city"
