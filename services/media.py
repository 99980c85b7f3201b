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

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.renderers import JSONRenderer

from services import queries

# A photo attached to a request or to information added to it (the pages say "up to 5 MB").
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def photo_problem(photo: UploadedFile | None) -> str | None:
    """Why an uploaded photo is refused, or ``None``: the one rule for every channel (the
    forms' and serializers' image fields have already checked that it is an image)."""
    if photo is None:
        return None
    if photo.size is not None and photo.size > PHOTO_MAX_BYTES:
        return _("A photo may be up to %(mb)d MB.") % {"mb": PHOTO_MAX_BYTES // (1024 * 1024)}
    # The image fields set the type Pillow found; a file handed to an action directly is
    # judged by its name. The name must say a photo type in any case: the file keeps it and
    # is served as the type it names (``photo_content_type``).
    found = {getattr(photo, "content_type", None), photo_content_type(photo.name or "")}
    if not found & set(PHOTO_TYPES) or photo_content_type(photo.name or "") is None:
        return photo_type_problem()
    return None


def photo_type_problem() -> str:
    """What to send instead of a file that is not a photo of ``PHOTO_TYPES``."""
    return _("Send the photo as a JPEG, PNG, GIF or WebP image.")


def photo_not_a_file() -> str:
    """What to send instead of a photo given as text (a JSON or URL-encoded body, or a form's
    text field): only a multipart body carries a file."""
    return _("Send the photo as a file in a multipart/form-data body, or leave it out.")


def photo_content_type(name: str) -> str | None:
    """The type a stored photo is served as: the one its name says, if that is one of
    ``PHOTO_TYPES``; ``None`` for any other name (Pillow also reads files named .pdf, .eps
    or .ps, which a browser would open as those)."""
    content_type, _encoding = mimetypes.guess_type(name)
    return content_type if content_type in PHOTO_TYPES else None


@extend_schema(exclude=True)  # a file, linked from the request detail's ``photo``
@api_view(["GET", "HEAD"])
@permission_classes([permissions.AllowAny])  # the scope check below answers 404 to strangers
@renderer_classes([JSONRenderer])
def request_photo(request: HttpRequest, name: str) -> FileResponse:
    # A request's own photo, or one added with information to it.
    item = queries.request_with_photo(user=request.user, name=name)
    if item is None:
        raise Http404
    try:
        handle = item.photo.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = photo_content_type(item.photo.name)
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "private, no-cache"
    # Only an image is shown in the browser; anything stored before the name rule is a
    # download, never a document of this site.
    response["Content-Disposition"] = "inline" if content_type else "attachment"
    return response
