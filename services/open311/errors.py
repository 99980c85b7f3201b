"""The one exception the Open311 views turn into a GeoReport v2 error body."""

from __future__ import annotations

from collections.abc import Iterable


class Open311Error(Exception):
    """An error answered as ``[{"code": …, "description": …}]`` with an HTTP status.

    GeoReport v2 asks for 404 for resources that do not exist, 403 for a missing or wrong
    ``api_key`` and 400 for anything else; several descriptions may be returned at once.
    """

    def __init__(self, status: int, descriptions: str | Iterable[str]):
        self.status = status
        if isinstance(descriptions, str):
            descriptions = [descriptions]
        self.descriptions = [str(d) for d in descriptions]
        super().__init__("; ".join(self.descriptions))

    def as_body(self) -> list[dict]:
        return [{"code": self.status, "description": d} for d in self.descriptions]


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error(400, descriptions)


def forbidden(description: str) -> Open311Error:
    return Open311Error(403, description)


def not_found(description: str) -> Open311Error:
    return Open311Error(404, description)
