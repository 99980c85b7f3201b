"""Uploaded request photos, served through a check of who may see the request.

Photos are personal data (a face, a door, a street): they are never served as public files.
Every ``/media/`` address goes through ``request_photo``, whatever ``DEBUG`` says: the
request the photo belongs to must be one the caller may see (its resident, the workers of
its community, administrators; a session for the pages, a token for the API). Otherwise,
and for a file that is not a request photo, the answer is 404, so nothing tells an outsider
that a photo exists.
"""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404, HttpRequest
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.renderers import JSONRenderer

from services import queries


@extend_schema(exclude=True)  # a file, linked from the request detail's ``photo``
@api_view(["GET", "HEAD"])
@permission_classes([permissions.AllowAny])  # the scope check below answers 404 to strangers
@renderer_classes([JSONRenderer])
def request_photo(request: HttpRequest, name: str) -> FileResponse:
    item = queries.request_with_photo(user=request.user, name=name)
    if item is None:
        raise Http404
    try:
        handle = item.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type, _encoding = mimetypes.guess_type(item.photo.name)
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-cache"
    response["Content-Disposition"] = "inline"
    return response
