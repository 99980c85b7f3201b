"""What the notifications app may know of requests (``notifications.sources``): typed facts,
no description and no personal data. Registered by ``services.apps`` at start-up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import translation

from notifications.sources import DigestFacts, RequestFacts
from services.models import ReviewTask, ServiceRequest

Status = ServiceRequest.Status


def _facts(
    request: ServiceRequest,
    *,
    review_recipient_ids: tuple[int, ...] = (),
    status: str | None = None,
) -> RequestFacts:
    resident = request.resident
    resident_user_id = (
        resident.user_id if resident is not None and resident.erased_at is None else None
    )
    with translation.override("en"):  # the unprefixed address; the reader's prefix follows
        link = reverse("services:request_detail", args=[request.pk])
    return RequestFacts(
        request_id=request.pk,
        community_id=request.community_id,
        resident_user_id=resident_user_id,
        assignee_id=request.assigned_to_id,
        status=status or request.status,
        status_label=Status(status or request.status).label,
        category_name=request.category.name,
        category_name_zh=request.category.name_zh,
        expected_completion_at=request.expected_completion_at,
        satisfaction=request.satisfaction,
        link=link,
        review_recipient_ids=review_recipient_ids,
    )


class ServicesRequestSource:
    def _requests(self):
        return ServiceRequest.objects.select_related("category", "resident")

    def request_facts(self, request_id: int, *, status: str | None = None) -> RequestFacts | None:
        request = self._requests().filter(pk=request_id).first()
        if request is None:
            return None
        supervisors = ReviewTask.objects.filter(request=request, supervisor__isnull=False)
        return _facts(
            request,
            review_recipient_ids=tuple(supervisors.values_list("supervisor_id", flat=True)),
            status=status,
        )

    def requests_near_deadline(
        self, *, due_before: datetime, due_after: datetime
    ) -> Sequence[RequestFacts]:
        return [
            _facts(request)
            for request in self._requests().filter(
                status__in=ServiceRequest.OPEN_STATUSES,
                expected_completion_at__lte=due_before,
                expected_completion_at__gt=due_after,
            )
        ]

    def digest(self, *, since: datetime, until: datetime, community_ids=None) -> DigestFacts:
        requests = ServiceRequest.objects.all()
        if community_ids is not None:
            requests = requests.filter(community_id__in=community_ids)
        return DigestFacts(
            since=since,
            until=until,
            submitted=requests.filter(created_at__gte=since, created_at__lt=until).count(),
            resolved=requests.filter(resolved_at__gte=since, resolved_at__lt=until).count(),
            open=requests.filter(status__in=ServiceRequest.OPEN_STATUSES).count(),
            overdue=requests.filter(
                Q(status__in=ServiceRequest.OPEN_STATUSES) & Q(expected_completion_at__lt=until)
            ).count(),
            low_ratings=requests.filter(
                satisfaction__lte=ReviewTask.LOW_RATING, updated_at__gte=since, updated_at__lt=until
            ).count(),
        )


SOURCE = ServicesRequestSource()
