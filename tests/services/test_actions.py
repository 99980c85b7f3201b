"""The service actions called directly (as the web pages and Open311 call them): who may do
what, answers to extra fields of every datatype, assignment, rating and supply capacity."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from core.errors import ActionNotAllowed, InvalidTransition, RowsInvalid, StateConflict
from residents.models import User
from services import actions
from services.models import RequestStatusChange, ServiceRequest, SupplyCapacity
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    DimensionFactory,
    ResidentFactory,
    ServiceCategoryFactory,
    ServiceRequestFactory,
    UserFactory,
    WorkerFactory,
)
from tests.scope_checks import named_communities_only

Status = ServiceRequest.Status

ALL_TYPES = [
    {"code": "where", "label": "Where exactly?", "datatype": "string"},
    {"code": "count", "label": "How many?", "datatype": "number", "required": True},
    {"code": "seen_at", "label": "When seen", "datatype": "datetime"},
    {"code": "details", "label": "Details", "datatype": "text"},
    {
        "code": "size",
        "datatype": "singlevaluelist",
        "values": [{"key": "s", "name": "Small"}, {"key": "l", "name": "Large"}],
    },
    {
        "code": "kinds",
        "datatype": "multivaluelist",
        "values": [{"key": "a", "name": "A"}, {"key": "b", "name": "B"}],
    },
]


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def worker(community):
    return WorkerFactory(communities=[community])


@pytest.fixture
def all_types(db):
    return ServiceCategoryFactory(code="synthetic_all_types", extra_fields=ALL_TYPES)


def _submit(user, community, category, **extra):
    return actions.request_submit(
        user=user,
        category=category,
        community=community,
        description=extra.pop("description", "Synthetic need."),
        **extra,
    )


# Submitting -------------------------------------------------------------------------------------


def test_answers_of_every_datatype_are_typed(worker, community, all_types):
    item = _submit(
        worker,
        community,
        all_types,
        attributes={
            "where": "  under\nthe bridge ",
            "count": "3",
            "seen_at": "2026-05-01T09:00:00+08:00",
            "details": "Line one\nLine two",
            "size": "l",
            "kinds": ["a", "b", "a"],
        },
    )
    assert item.attributes == {
        "where": "under the bridge",
        "count": 3,
        "seen_at": "2026-05-01T09:00:00+08:00",
        "details": "Line one\nLine two",
        "size": "l",
        "kinds": ["a", "b"],
    }
    assert item.history.get().to_status == Status.SUBMITTED
    assert item.logged_by == worker
    assert item.channel == ServiceRequest.Channel.COMMUNITY_WORKER


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({}, "count"),
        ({"count": "many"}, "count"),
        ({"count": True}, "count"),
        ({"count": float("inf")}, "count"),
        ({"count": 1, "seen_at": "last Tuesday"}, "seen_at"),
        ({"count": 1, "size": "m"}, "size"),
        ({"count": 1, "kinds": ["a", "z"]}, "kinds"),
        ({"count": 1, "kinds": [1]}, "kinds"),
        ({"count": 1, "where": "x" * 501}, "where"),
        ({"count": 1, "where": 5}, "where"),
        ({"count": 1, "colour": "red"}, "colour"),
    ],
)
def test_wrong_answers_are_refused_by_question(worker, community, all_types, answers, field):
    with pytest.raises(ValidationError) as caught:
        _submit(worker, community, all_types, attributes=answers)
    assert field in caught.value.message_dict
    assert not ServiceRequest.objects.exists()


def test_all_errors_come_at_once(worker, community, all_types):
    with pytest.raises(ValidationError) as caught:
        _submit(
            worker, community, all_types, description=" ", urgency="soon", attributes={"size": "m"}
        )
    assert {"description", "urgency", "count", "size"} <= set(caught.value.message_dict)


def test_a_first_level_category_is_refused(worker, community):
    with pytest.raises(ValidationError) as caught:
        _submit(worker, community, DimensionFactory(code="infrastructure"))
    assert "concrete service" in caught.value.message_dict["category"][0]


def test_a_worker_logs_only_for_their_communities(worker):
    with pytest.raises(ValidationError) as caught:
        _submit(worker, CommunityFactory(), ServiceCategoryFactory())
    assert "communities you serve" in caught.value.message_dict["community"][0]


@pytest.mark.parametrize("make_user", [lambda: None, lambda: UserFactory(is_active=False)])
def test_no_account_or_an_inactive_one_may_not_submit(community, make_user):
    from django.contrib.auth.models import AnonymousUser

    user = make_user() or AnonymousUser()
    with pytest.raises(PermissionDenied):
        _submit(user, community, ServiceCategoryFactory())


def test_a_resident_login_without_a_profile_is_told_to_create_one(community):
    with pytest.raises(StateConflict):
        _submit(UserFactory(), community, ServiceCategoryFactory())


def test_a_resident_submits_for_themself_only(community):
    me = ResidentFactory(community=community, with_account=True)
    neighbour = ResidentFactory(community=community)
    with pytest.raises(ValidationError) as caught:
        _submit(me.user, community, ServiceCategoryFactory(), resident=neighbour)
    assert "resident" in caught.value.message_dict
    item = _submit(me.user, community, ServiceCategoryFactory())
    assert item.resident == me
    assert item.channel == ServiceRequest.Channel.SELF_SERVICE


def test_an_erased_profile_cannot_be_named(worker, community):
    erased = ResidentFactory(community=community)
    erased.erased_at = erased.created_at
    erased.save()
    with pytest.raises(ValidationError) as caught:
        _submit(worker, community, ServiceCategoryFactory(), resident=erased)
    assert "resident" in caught.value.message_dict


def test_a_category_without_sla_has_no_deadline(worker, community):
    item = _submit(worker, community, ServiceCategoryFactory(sla_hours=None))
    assert item.expected_completion_at is None
    assert not item.is_overdue


# Assigning ---------------------------------------------------------------------------------------


def test_assign_to_a_worker_of_another_community_or_a_resident_is_refused(worker, community):
    item = ServiceRequestFactory(community=community, status=Status.ACCEPTED)
    elsewhere = WorkerFactory(communities=[CommunityFactory()])
    inactive = WorkerFactory(communities=[community], is_active=False)
    someone = ResidentFactory(community=community, with_account=True).user
    for assignee in (elsewhere, inactive, someone, AdministratorFactory()):
        with pytest.raises(ValidationError) as caught:
            actions.request_assign(user=worker, request=item, assignee=assignee)
        assert "assignee" in caught.value.message_dict
    item.refresh_from_db()
    assert item.status == Status.ACCEPTED and item.assigned_to is None


def test_assign_before_accepting_is_an_invalid_transition(worker, community):
    item = ServiceRequestFactory(community=community)
    with pytest.raises(InvalidTransition) as caught:
        actions.request_assign(user=worker, request=item, assignee=worker)
    assert caught.value.allowed == ("accepted", "rejected")


def test_reassigning_records_the_change_and_the_same_assignee_is_a_no_op(worker, community):
    colleague = WorkerFactory(communities=[community])
    item = ServiceRequestFactory(community=community, status=Status.ACCEPTED)
    actions.request_assign(user=worker, request=item, assignee=worker)
    actions.request_assign(user=worker, request=item, assignee=colleague, note="Handover.")
    actions.request_assign(user=worker, request=item, assignee=colleague)
    item.refresh_from_db()
    assert item.assigned_to == colleague
    steps = list(item.history.values_list("from_status", "to_status", "note"))
    assert steps[-2:] == [("accepted", "assigned", ""), ("assigned", "assigned", "Handover.")]


def test_workers_of_other_communities_and_residents_cannot_work_a_request(community):
    item = ServiceRequestFactory(community=community)
    outsider = WorkerFactory(communities=[CommunityFactory()])
    resident = ResidentFactory(community=community, with_account=True).user
    for user in (outsider, resident):
        with pytest.raises(ActionNotAllowed):
            actions.request_transition(user=user, request=item, to_status=Status.ACCEPTED)
    assert RequestStatusChange.objects.filter(request=item).count() == 1


# Rating -----------------------------------------------------------------------------------------------


def test_only_the_requesting_resident_rates(community):
    owner = ResidentFactory(community=community, with_account=True)
    neighbour = ResidentFactory(community=community, with_account=True)
    item = ServiceRequestFactory(resident=owner, status=Status.CLOSED)
    for user in (neighbour.user, WorkerFactory(communities=[community]), AdministratorFactory()):
        with pytest.raises(ActionNotAllowed):
            actions.request_rate(user=user, request=item, satisfaction=3)
    with pytest.raises(ValidationError) as caught:
        actions.request_rate(user=owner.user, request=item, satisfaction=4, comment="x" * 2001)
    assert "comment" in caught.value.message_dict
    actions.request_rate(user=owner.user, request=item, satisfaction=4, comment=" Fine. ")
    item.refresh_from_db()
    assert (item.satisfaction, item.satisfaction_comment) == (4, "Fine.")


# Supply capacity ---------------------------------------------------------------------------------------


def test_capacity_set_creates_then_replaces_and_stores_the_month(community):
    admin = AdministratorFactory()
    category = ServiceCategoryFactory()
    row, created = actions.capacity_set(
        user=admin,
        community=community,
        category=category,
        period=date(2026, 3, 17),
        provider="government",
        capacity=10,
        budget=Decimal("2000"),
    )
    assert created and row.period == date(2026, 3, 1) and row.created_by == admin
    again, created = actions.capacity_set(
        user=admin,
        community=community,
        category=category,
        period=date(2026, 3, 2),
        provider="government",
        capacity=25,
    )
    assert not created and again.pk == row.pk
    assert SupplyCapacity.objects.get().capacity == 25


def test_capacity_rules(community):
    admin = AdministratorFactory()
    base = {
        "community": community,
        "period": date(2026, 4, 1),
        "provider": "market",
        "capacity": 5,
    }
    with pytest.raises(ValidationError) as caught:
        actions.capacity_set(user=admin, category=DimensionFactory(), **base)
    assert "category" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.capacity_set(user=admin, category=ServiceCategoryFactory(), budget=-1, **base)
    assert "budget" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        actions.capacity_set(
            user=admin, category=ServiceCategoryFactory(), **{**base, "provider": "friends"}
        )
    assert "provider" in caught.value.message_dict
    for user in (WorkerFactory(communities=[community]), UserFactory()):
        with pytest.raises(ActionNotAllowed):
            actions.capacity_set(user=user, category=ServiceCategoryFactory(), **base)
    assert not SupplyCapacity.objects.exists()


def test_capacity_update_refuses_a_duplicate_key(community):
    admin = AdministratorFactory()
    category = ServiceCategoryFactory()
    first, _ = actions.capacity_set(
        user=admin,
        community=community,
        category=category,
        period=date(2026, 1, 1),
        provider="government",
        capacity=1,
    )
    second, _ = actions.capacity_set(
        user=admin,
        community=community,
        category=category,
        period=date(2026, 1, 1),
        provider="market",
        capacity=2,
    )
    with pytest.raises(ValidationError):
        actions.capacity_update(user=admin, supply_capacity=second, provider="government")
    second.refresh_from_db()
    assert second.provider == "market"
    with pytest.raises(TypeError):
        actions.capacity_update(user=admin, supply_capacity=first, created_by=None)
    actions.capacity_delete(user=admin, supply_capacity=first)
    assert list(SupplyCapacity.objects.all()) == [second]


def test_an_administrator_role_or_superuser_is_an_administrator(community):
    superuser = UserFactory(is_superuser=True, role=User.Role.RESIDENT)
    item = ServiceRequestFactory(community=community)
    actions.request_transition(user=superuser, request=item, to_status=Status.ACCEPTED)
    assert item.status == Status.ACCEPTED


# Bulk submission: the single path's checks on every row -----------------------------------------


def test_requests_import_checks_each_row_as_a_submission_and_writes_all_or_none(
    community, worker, all_types
):
    from django.utils import timezone

    erased = ResidentFactory(community=community)
    erased.erased_at = timezone.now()
    erased.save()
    elsewhere = ResidentFactory()
    now = timezone.now()
    good = actions.ImportedRequest(
        community_id=community.pk,
        category=all_types,
        description="Synthetic: bulk row",
        created_at=now,
        attributes={"count": 3},
    )
    rows = [
        good,
        actions.ImportedRequest(**{**good.__dict__, "attributes": {}}),  # required answer
        actions.ImportedRequest(**{**good.__dict__, "community_id": CommunityFactory().pk}),
        actions.ImportedRequest(**{**good.__dict__, "resident_id": erased.pk}),
        actions.ImportedRequest(**{**good.__dict__, "resident_id": elsewhere.pk}),
        actions.ImportedRequest(**{**good.__dict__, "channel": "self_service"}),
        actions.ImportedRequest(**{**good.__dict__, "category": all_types.parent}),
    ]
    with pytest.raises(RowsInvalid) as caught:
        actions.requests_import(user=worker, rows=rows)
    assert {index: set(errors) for index, errors in caught.value.rows.items()} == {
        1: {"count"},
        2: {"community"},
        3: {"resident"},
        4: {"resident"},
        5: {"channel"},
        6: {"category"},
    }
    # A resident outside the worker's communities reads as one that does not exist, as an
    # unknown id does: the answer does not say that a profile with that id exists elsewhere.
    assert caught.value.rows[4] == {"resident": ["No such resident."]}
    assert not ServiceRequest.objects.exists()
    assert actions.requests_import(user=worker, rows=[good]) == 1
    created = ServiceRequest.objects.get()
    assert created.attributes == {"count": 3} and created.channel == "community_worker"
    assert created.history.get().to_status == Status.SUBMITTED
    with pytest.raises(ActionNotAllowed):
        actions.requests_import(user=UserFactory(), rows=[good])


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "You can log requests only for the communities you serve."),
        ("zh-hans", "您只能为自己负责的社区登记诉求。"),
    ],
)
def test_requests_import_checks_only_the_named_communities_against_the_scope(
    community, all_types, language, message
):
    worker = WorkerFactory(communities=[community, *CommunityFactory.create_batch(4)])
    outside = CommunityFactory()
    good = actions.ImportedRequest(
        community_id=community.pk,
        category=all_types,
        description="Synthetic: bulk row",
        created_at=timezone.now(),
        attributes={"count": 1},
    )
    rows = [good, dataclasses.replace(good, community_id=outside.pk)]
    with (
        named_communities_only(actions) as scope_check,
        translation.override(language),
        pytest.raises(RowsInvalid) as caught,
    ):
        actions.requests_import(user=worker, rows=rows)
    scope_check.assert_called_once_with(user=worker, community_ids={community.pk, outside.pk})
    assert caught.value.rows == {1: {"community": [message]}}
    assert not ServiceRequest.objects.exists()
