"""Notes, replies and reviews are visible to administrators in the admin, read-only (they are
written through the request page and the API), and the list never shows a note's text."""

from __future__ import annotations

import pytest
from django.urls import reverse

from services.models import RequestComment, ReviewTask
from tests.factories import AdministratorFactory, ServiceRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        AdministratorFactory(is_superuser=True),
        backend="django.contrib.auth.backends.ModelBackend",
    )
    return client


def test_comments_and_reviews_are_listed_read_only(admin_client):
    request = ServiceRequestFactory()
    comment = RequestComment.objects.create(
        request=request,
        kind=RequestComment.Kind.INTERNAL_NOTE,
        text="Neighbour Wang can open the door",
    )
    review = ReviewTask.objects.create(request=request, rating=1)
    listing = admin_client.get(reverse("admin:services_requestcomment_changelist"))
    assert listing.status_code == 200
    assert "Neighbour Wang" not in listing.content.decode()
    assert admin_client.get(reverse("admin:services_reviewtask_changelist")).status_code == 200
    for name, obj in (("requestcomment", comment), ("reviewtask", review)):
        assert admin_client.get(reverse(f"admin:services_{name}_add")).status_code == 403
        change = reverse(f"admin:services_{name}_change", args=[obj.pk])
        assert admin_client.get(change).status_code == 200
        admin_client.post(change, {})
        assert (
            admin_client.get(reverse(f"admin:services_{name}_delete", args=[obj.pk])).status_code
            == 403
        )
    comment.refresh_from_db()
    assert comment.text == "Neighbour Wang can open the door"
