"""WGS-84 ↔ GCJ-02 coordinates.

Map tile services licensed in mainland China (AutoNavi/Amap, Tencent, and others) draw their
tiles in GCJ-02, the obfuscated datum of the national surveying rules: a WGS-84 point (GPS,
a browser's geolocation, our stored coordinates) lands 100–700 m off on them unless it is
shifted first. The shift is a published closed-form function of the position on the
Krasovsky 1940 ellipsoid; it applies inside mainland China only (outside, both datums
agree). Going back has no closed form: ``gcj02_to_wgs84`` inverts the shift by fixed-point
iteration, to well under a centimetre.

We store WGS-84 everywhere; these functions are used only at the edge, when a map's tiles
are GCJ-02 (``MAP_TILE_COORDINATES = "gcj02"``, ``docs/map.md``).
"""

from __future__ import annotations

import math

# Krasovsky 1940: semi-major axis and first eccentricity squared, as the GCJ-02 rules use.
_A = 6378245.0
_EE = 0.00669342162296594323

# A rectangle around mainland China; the shift is applied only inside it.
_LON_RANGE = (72.004, 137.8347)
_LAT_RANGE = (0.8293, 55.8271)


def in_mainland_china(lat: float, lon: float) -> bool:
    """Inside the rectangle where the GCJ-02 shift applies."""
    return _LON_RANGE[0] <= lon <= _LON_RANGE[1] and _LAT_RANGE[0] <= lat <= _LAT_RANGE[1]


def _shift_lat(x: float, y: float) -> float:
    result = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    result += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2 / 3
    result += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2 / 3
    return result


def _shift_lon(x: float, y: float) -> float:
    result = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    result += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2 / 3
    result += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2 / 3
    result += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2 / 3
    return result


def _offset(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 shift (degrees of latitude, of longitude) at a WGS-84 point."""
    x, y = lon - 105.0, lat - 35.0
    d_lat = _shift_lat(x, y)
    d_lon = _shift_lon(x, y)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """A WGS-84 point as GCJ-02 ``(lat, lon)``; unchanged outside mainland China."""
    if not in_mainland_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _offset(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float, *, tolerance: float = 1e-9) -> tuple[float, float]:
    """A GCJ-02 point back to WGS-84 ``(lat, lon)``, by iterating the forward shift until it
    maps the answer onto the given point within ``tolerance`` degrees (about 0.1 mm)."""
    if not in_mainland_china(lat, lon):
        return lat, lon
    guess_lat, guess_lon = lat, lon
    for _ in range(30):
        shifted_lat, shifted_lon = wgs84_to_gcj02(guess_lat, guess_lon)
        error_lat, error_lon = shifted_lat - lat, shifted_lon - lon
        if abs(error_lat) < tolerance and abs(error_lon) < tolerance:
            break
        guess_lat -= error_lat
        guess_lon -= error_lon
    return guess_lat, guess_lon
