"""A worker is named one way on every page (``User.display_name``): the queue's "Assigned to"
column, the request page, the list to assign from, the status history and the notes."""

from __future__ import annotations

from django.urls import reverse

from services import actions
from services.models import ServiceRequest


def test_a_worker_is_named_alike_on_the_queue_and_the_request_page(
    client, worker, community, make_request
):
    worker.first_name, worker.last_name = "Demo", "worker"
    worker.save()
    item = make_request(community=community, status=ServiceRequest.Status.ACCEPTED)
    actions.request_assign(user=worker, request=item, assignee=worker)
    actions.request_note_add(user=worker, request=item, text="Called the family.")
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")

    queue = client.get(reverse("services:queue"), {"view": "all"}).content.decode()
    assigned_cells = queue.split('data-label="Assigned to">')[1:]
    assert assigned_cells and assigned_cells[0].startswith("Demo worker<")

    page = client.get(reverse("services:request_detail", args=[item.pk])).content.decode()
    assert "<dd>Demo worker</dd>" in page
    assert ">Demo worker</option>" in page
    history = page.split('class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert "· Demo worker" in history
    notes = page.split('id="internal-notes"', 1)[1]
    assert "· Demo worker" in notes
    # The header names the person signed in by the same rule.
    assert 'class="user-name">Demo worker ·' in page
    assert worker.username not in page
