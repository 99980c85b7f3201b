"""What the request map draws: requests (at their own location, or at their community's when
they have none) and the communities in scope, typed, in the coordinates the configured tiles
use. Reads only; the page is ``services.map_views``.

A request for a sensitive service (``ServiceCategory.sensitive``: health, age, income,
children, social security) is always drawn at its community, never at its own point, for
every viewer: a map shows many requests at once and is easily shared as a picture; the exact
point stays on the request's own page, for those who may work it (``docs/open311.md``).

Stored coordinates are WGS-84. When the tiles are GCJ-02 (``MAP_TILE_COORDINATES``), every
point is shifted with ``geography.gcj02`` before it leaves the server, so markers sit on the
streets the tiles draw.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from core.localisation import localised_name
from geography import outlines
from geography.gcj02 import wgs84_to_gcj02
from services.models import ServiceCategory, ServiceRequest

# One colour per status, matching the badges' hues (static/css/app.css).
STATUS_COLOURS = {
    ServiceRequest.Status.SUBMITTED: "#64748b",
    ServiceRequest.Status.ACCEPTED: "#2563eb",
    ServiceRequest.Status.ASSIGNED: "#1d4ed8",
    ServiceRequest.Status.IN_PROGRESS: "#d97706",
    ServiceRequest.Status.RESOLVED: "#15803d",
    ServiceRequest.Status.CLOSED: "#166534",
    ServiceRequest.Status.REJECTED: "#b42318",
}


@dataclass(frozen=True)
class MapPoint:
    id: int
    lat: float
    lon: float
    status: str
    status_label: str
    colour: str
    category: str
    url: str
    # True: the request is drawn at its community (it has no location of its own, or its
    # service is sensitive: ``withheld``).
    at_community: bool
    withheld: bool = False


@dataclass(frozen=True)
class MapCommunity:
    name: str
    lat: float
    lon: float
    open: int


@dataclass(frozen=True)
class DistrictOutline:
    """A district drawn on the plain background: ``rings`` of [lat, lon] points, either the
    shipped shape (``source`` "package") or the convex hull of its communities ("hull"),
    which only sketches where they are. Both are approximate, and labelled so."""

    name: str
    rings: list[list[tuple[float, float]]]
    source: str


@dataclass(frozen=True)
class TileSource:
    url: str
    attribution: str
    coordinates: str

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url.replace("{s}", "a"))
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


@dataclass(frozen=True)
class RequestMap:
    points: list[MapPoint]
    communities: list[MapCommunity]
    total: int
    tiles: TileSource | None
    outlines: list[DistrictOutline]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.points)

    def as_json(self) -> dict:
        return {
            "points": [asdict(p) for p in self.points],
            "communities": [asdict(c) for c in self.communities],
            "tiles": None if self.tiles is None else asdict(self.tiles),
            "outlines": [asdict(o) for o in self.outlines],
        }


def tile_source() -> TileSource | None:
    if not settings.MAP_TILE_URL:
        return None
    return TileSource(
        url=settings.MAP_TILE_URL,
        attribution=settings.MAP_TILE_ATTRIBUTION,
        coordinates=settings.MAP_TILE_COORDINATES,
    )


def _for_tiles(lat: float, lon: float, tiles: TileSource | None) -> tuple[float, float]:
    if tiles is not None and tiles.coordinates == "gcj02":
        return wgs84_to_gcj02(lat, lon)
    return lat, lon


def request_map(*, requests: QuerySet, communities: QuerySet) -> RequestMap:
    """The map of ``requests`` (already scoped and filtered) and ``communities`` (in scope)."""
    tiles = tile_source()
    labels = dict(ServiceRequest.Status.choices)
    categories = {c.pk: localised_name(c) for c in ServiceCategory.objects.all()}
    # A sensitive request is drawn at its community or not at all.
    located = requests.filter(
        Q(latitude__isnull=False, longitude__isnull=False, category__sensitive=False)
        | Q(community__latitude__isnull=False, community__longitude__isnull=False)
    )
    total = located.count()
    rows = located.values_list(
        "id",
        "status",
        "category_id",
        "latitude",
        "longitude",
        "community__latitude",
        "community__longitude",
        "category__sensitive",
    )[: settings.MAP_MAX_POINTS]
    points = []
    for pk, status, category_id, lat, lon, c_lat, c_lon, sensitive in rows:
        has_own = lat is not None and lon is not None
        withheld = has_own and sensitive
        own = has_own and not withheld
        lat, lon = _for_tiles(lat if own else c_lat, lon if own else c_lon, tiles)
        points.append(
            MapPoint(
                id=pk,
                lat=round(lat, 6),
                lon=round(lon, 6),
                status=status,
                status_label=str(labels.get(status, status)),
                colour=STATUS_COLOURS.get(status, "#475569"),
                category=categories.get(category_id, ""),
                url=reverse("services:request_detail", args=[pk]),
                at_community=not own,
                withheld=withheld,
            )
        )
    places = []
    for name, lat, lon, open_ in (
        communities.filter(latitude__isnull=False, longitude__isnull=False)
        .annotate(
            open=Count("requests", filter=Q(requests__status__in=ServiceRequest.OPEN_STATUSES))
        )
        .values_list("name", "latitude", "longitude", "open")
    ):
        lat, lon = _for_tiles(lat, lon, tiles)
        places.append(MapCommunity(name=name, lat=round(lat, 6), lon=round(lon, 6), open=open_))
    return RequestMap(
        points=points,
        communities=places,
        total=total,
        tiles=tiles,
        outlines=district_outlines(communities) if tiles is None else [],
    )


def district_outlines(communities: QuerySet) -> list[DistrictOutline]:
    """The outlines of the districts of ``communities``, for the map without tiles (tiles
    draw their own boundaries): the shipped shape when ``geography.outlines`` has one for the
    city and district, else the convex hull of the district's community points (three or
    more; fewer draw no area)."""
    districts: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for city, district, lat, lon in communities.filter(
        latitude__isnull=False, longitude__isnull=False
    ).values_list("city__name", "district", "latitude", "longitude"):
        if district:
            districts.setdefault((city, district), []).append((lon, lat))
    drawn = []
    for (city, district), points in sorted(districts.items()):
        rings = outlines.shipped_outline(city, district)
        source = "package"
        if rings is None:
            hull = outlines.convex_hull(points)
            if len(hull) < 3:
                continue
            rings, source = [hull], "hull"
        drawn.append(
            DistrictOutline(
                name=district,
                rings=[[(round(lat, 5), round(lon, 5)) for lon, lat in ring] for ring in rings],
                source=source,
            )
        )
    return drawn


@dataclass(frozen=True)
class LocationPicker:
    """What the request form's location picker draws: the communities offered (to centre on
    the chosen one, and as the only landmarks without tiles) in the tiles' coordinates, and
    the tiles. A point picked on GCJ-02 tiles is sent back with its datum and converted to
    WGS-84 by the form (``services.forms.RequestForm``)."""

    communities: list[dict]
    tiles: TileSource | None
    max_km: float

    def as_json(self) -> dict:
        return {
            "communities": self.communities,
            "tiles": None if self.tiles is None else asdict(self.tiles),
            "max_km": self.max_km,
        }


def location_picker(*, communities: QuerySet) -> LocationPicker:
    tiles = tile_source()
    places = []
    for pk, name, lat, lon in communities.filter(
        latitude__isnull=False, longitude__isnull=False
    ).values_list("pk", "name", "latitude", "longitude"):
        lat, lon = _for_tiles(lat, lon, tiles)
        places.append({"id": pk, "name": name, "lat": round(lat, 6), "lon": round(lon, 6)})
    return LocationPicker(communities=places, tiles=tiles, max_km=settings.REQUEST_LOCATION_MAX_KM)


def allow_tiles(response, tiles: TileSource | None):
    """The configured tile host, and only on the pages that draw a map, may serve images."""
    if tiles is not None and tiles.origin:
        response._csp_update = {"img-src": [tiles.origin]}
    return response


def legend() -> list[tuple[str, str]]:
    labels = dict(ServiceRequest.Status.choices)
    return [(str(labels[status]), colour) for status, colour in STATUS_COLOURS.items()]
