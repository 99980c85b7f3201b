"""The community worker's pages: the queue with filters and bulk actions, request detail,
finding or creating a resident, logging a need, and the duplicate warning."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from residents.models import PersonalDataAccess, Resident
from services.models import ServiceRequest

from .conftest import MASKED_PHONE, NAME, NATIONAL_ID, OTHER_NATIONAL_ID, PHONE


@pytest.fixture
def worker_client(client, worker):
    client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def colleague(worker, community):
    from residents.models import User

    user = User.objects.create_user("worker2", password="x-long-passphrase", role="worker")
    user.communities.add(community)
    return user


def test_queue_lists_only_the_workers_communities(
    worker_client, community, other_community, resident_user, make_request
):
    mine = make_request(community=community, resident=resident_user.resident_profile)
    theirs = make_request(community=other_community)
    html = worker_client.get(reverse("services:queue")).content.decode()
    assert f'name="selected" value="{mine.pk}"' in html
    assert f'name="selected" value="{theirs.pk}"' not in html


def test_queue_never_shows_identifiers_unmasked(
    worker_client, community, resident_user, make_request
):
    make_request(community=community, resident=resident_user.resident_profile)
    html = worker_client.get(reverse("services:queue")).content.decode()
    assert "王*" in html  # the masked name
    for identifier in (NATIONAL_ID, PHONE, NAME):
        assert identifier not in html


def test_queue_filters_by_status_urgency_and_overdue(worker_client, community, make_request):
    now = timezone.now()
    overdue = make_request(
        community=community, urgency="high", expected_completion_at=now - timedelta(hours=1)
    )
    on_time = make_request(community=community, expected_completion_at=now + timedelta(days=2))
    closed = make_request(community=community, status=ServiceRequest.Status.CLOSED)

    def listed(**params):
        html = worker_client.get(reverse("services:queue"), params).content.decode()
        return {
            pk
            for pk in (overdue.pk, on_time.pk, closed.pk)
            if f'name="selected" value="{pk}"' in html
        }

    assert listed() == {overdue.pk, on_time.pk}  # by default: what needs action
    assert listed(view="all") == {overdue.pk, on_time.pk, closed.pk}
    assert listed(view="all", overdue="true") == {overdue.pk}
    assert listed(view="all", overdue="false") == {on_time.pk}
    assert listed(view="all", status="open") == {overdue.pk, on_time.pk}
    assert listed(view="all", status="closed") == {closed.pk}
    assert listed(urgency="high") == {overdue.pk}


def test_bulk_assign(worker_client, community, colleague, make_request):
    first = make_request(community=community, status=ServiceRequest.Status.ACCEPTED)
    second = make_request(community=community, status=ServiceRequest.Status.ACCEPTED)
    response = worker_client.post(
        reverse("services:queue"),
        {
            "confirmed": "1",
            "selected": [first.pk, second.pk],
            "move": "assign",
            "assignee": colleague.pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "2 requests updated." in response.content.decode()
    for item in (first, second):
        item.refresh_from_db()
        assert item.assigned_to == colleague


def test_bulk_status_change_reports_each_row_that_fails(worker_client, community, make_request):
    movable = make_request(community=community)
    closed = make_request(community=community, status=ServiceRequest.Status.CLOSED)
    response = worker_client.post(
        reverse("services:queue") + "?view=all",
        {"confirmed": "1", "selected": [movable.pk, closed.pk], "move": "accept"},
        follow=True,
    )
    html = response.content.decode()
    assert "1 request updated." in html
    assert "1 request could not be updated:" in html
    assert f"#{closed.pk}</a>:" in html
    movable.refresh_from_db()
    closed.refresh_from_db()
    assert movable.status == ServiceRequest.Status.ACCEPTED
    assert closed.status == ServiceRequest.Status.CLOSED
    assert movable.history.filter(to_status="accepted").exists()


def test_bulk_action_refuses_requests_outside_the_workers_communities(
    worker_client, other_community, make_request
):
    theirs = make_request(community=other_community)
    response = worker_client.post(
        reverse("services:queue"),
        {"confirmed": "1", "selected": [theirs.pk], "move": "accept"},
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    theirs.refresh_from_db()
    assert theirs.status == ServiceRequest.Status.SUBMITTED


def test_request_detail_offers_the_allowed_transitions(worker_client, community, make_request):
    item = make_request(community=community)
    html = worker_client.get(reverse("services:request_detail", args=[item.pk])).content.decode()
    assert 'name="move" value="accept"' in html
    assert 'name="move" value="reject"' in html
    assert 'name="move" value="resolve"' not in html
    response = worker_client.post(
        reverse("services:request_transition", args=[item.pk]),
        {"move": "accept", "note": "We will call tomorrow."},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "accepted"
    assert item.history.get(to_status="accepted").note == "We will call tomorrow."


def test_an_invalid_transition_is_explained_not_applied(worker_client, community, make_request):
    item = make_request(community=community)
    response = worker_client.post(
        reverse("services:request_transition", args=[item.pk]),
        {"confirmed": "1", "move": "close"},
        follow=True,
    )
    item.refresh_from_db()
    assert item.status == ServiceRequest.Status.SUBMITTED
    assert 'class="error"' in response.content.decode()


def test_find_a_resident_by_national_id_is_a_post_and_shows_masked_data(
    worker_client, resident_user
):
    url = reverse("resident_find")
    response = worker_client.post(url, {"kind": "national_id", "value": NATIONAL_ID.lower()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Resident found" in html
    assert MASKED_PHONE in html
    assert NATIONAL_ID not in html and NATIONAL_ID.lower() not in html
    assert reverse("services:request_log", args=[resident_user.resident_profile.pk]) in html


def test_find_by_phone_and_not_found_outside_the_workers_communities(
    worker_client, resident_user, other_resident_user
):
    url = reverse("resident_find")
    found = worker_client.post(
        url, {"kind": "phone", "value": f"{PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}"}
    )
    assert "Resident found" in found.content.decode()
    missing = worker_client.post(url, {"kind": "national_id", "value": OTHER_NATIONAL_ID})
    assert "No resident in your communities matches that number." in missing.content.decode()


def test_find_rejects_a_malformed_number_next_to_the_field(worker_client):
    response = worker_client.post(reverse("resident_find"), {"kind": "national_id", "value": "123"})
    assert 'id="id_value_error"' in response.content.decode()


def _profile_post(community, **overrides) -> dict:
    return {
        "name": "孙七",
        "phone": "10000002222",
        "national_id": "",
        "community": community.pk,
        "preferred_channel": "community_worker",
        **overrides,
    }


def test_worker_creates_and_edits_a_resident_profile(worker_client, worker, community):
    response = worker_client.post(reverse("resident_create"), _profile_post(community))
    resident = Resident.objects.get(created_by=worker)
    assert response.status_code == 302
    assert response["Location"] == reverse("resident_detail", args=[resident.pk])
    assert resident.user is None
    assert resident.phone == "10000002222"
    detail = worker_client.get(response["Location"]).content.decode()
    assert "100****2222" in detail and "10000002222" not in detail

    response = worker_client.post(
        reverse("resident_edit", args=[resident.pk]),
        _profile_post(community, name="", phone="", preferred_channel="hotline"),
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.preferred_channel == "hotline"
    assert resident.phone == "10000002222"
    assert resident.name == "孙七"


def test_worker_cannot_create_a_resident_in_another_community(worker_client, other_community):
    response = worker_client.post(reverse("resident_create"), _profile_post(other_community))
    assert response.status_code == 200
    assert 'id="id_community_error"' in response.content.decode()
    assert not Resident.objects.filter(created_by__isnull=False).exists()


def test_revealing_identifiers_is_audited(worker_client, worker, resident_user):
    resident = resident_user.resident_profile
    response = worker_client.post(reverse("resident_reveal", args=[resident.pk]))
    html = response.content.decode()
    assert NATIONAL_ID in html
    assert response["Cache-Control"] == "no-store"
    assert PersonalDataAccess.objects.filter(accessor=worker, resident=resident).count() == 1
    assert worker_client.get(reverse("resident_reveal", args=[resident.pk])).status_code == 405


def test_worker_logs_a_need_for_a_resident(
    worker_client, worker, resident_user, community, category
):
    resident = resident_user.resident_profile
    url = reverse("services:request_log", args=[resident.pk])
    page = worker_client.get(url).content.decode()
    assert "王*" in page
    response = worker_client.post(
        url,
        {
            "category": category.pk,
            "description": "Needs meals delivered.",
            "urgency": "high",
            "community": community.pk,
            "channel": "hotline",
            "extra__elderly_home_care__service_type": "meals",
        },
    )
    item = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert item.resident == resident
    assert item.logged_by == worker
    assert item.channel == ServiceRequest.Channel.HOTLINE
    assert item.attributes == {"service_type": "meals"}


def test_duplicate_warning_then_confirmed_submission(
    worker_client, community, category, make_request
):
    existing = make_request(community=community)
    url = reverse("services:request_log_anonymous")
    data = {
        "category": category.pk,
        "description": "Neighbour reports an elderly man needs meals.",
        "urgency": "normal",
        "community": community.pk,
        "channel": "community_worker",
    }
    response = worker_client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "A similar request is already open in this community:" in html
    assert f"#{existing.pk}" in html
    assert ServiceRequest.objects.count() == 1

    response = worker_client.post(url, {**data, "confirm_duplicate": "1"})
    assert response.status_code == 302
    assert ServiceRequest.objects.count() == 2
    assert ServiceRequest.objects.exclude(pk=existing.pk).get().resident is None


def test_a_rejected_lookup_does_not_echo_the_number(worker_client):
    almost = NATIONAL_ID[:-1] + "1"  # wrong check character (the right one is X)
    response = worker_client.post(
        reverse("resident_find"), {"kind": "national_id", "value": almost}
    )
    assert 'id="id_value_error"' in response.content.decode()
    assert almost not in response.content.decode()


def test_a_bulk_action_without_its_target_keeps_the_selection(
    worker_client, community, make_request
):
    item = make_request(community=community)
    response = worker_client.post(
        reverse("services:queue"), {"confirmed": "1", "selected": [item.pk], "move": "assign"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose who to assign the requests to." in html
    assert f'name="selected" value="{item.pk}" aria-label' in html
    assert "checked" in html.split(f'name="selected" value="{item.pk}"')[1].split(">")[0]


def test_the_find_page_says_when_the_hourly_lookup_allowance_is_used_up(
    worker_client, resident_user, settings
):
    settings.IDENTIFIER_LOOKUPS_PER_HOUR = 1
    url = reverse("resident_find")
    worker_client.post(url, {"kind": "national_id", "value": NATIONAL_ID})
    response = worker_client.post(url, {"kind": "national_id", "value": NATIONAL_ID})
    html = response.content.decode()
    assert response.status_code == 200
    assert "the most allowed" in html and "Resident found" not in html
    assert NATIONAL_ID not in html


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("en", "Elm Street, Synthetic district (南京市, "),
        ("zh-hans", "Elm Street，Synthetic district（南京市，"),
    ],
)
def test_a_residents_community_is_placed_in_the_languages_brackets(
    worker_client, resident_user, language, shown
):
    from django.utils import translation

    with translation.override(language):
        url = reverse("resident_detail", args=[resident_user.resident_profile.pk])
    page = worker_client.get(url).content.decode()
    assert shown in page
    region = resident_user.resident_profile.community.city.region
    if language == "zh-hans":
        assert f"，{region.name_zh}）</dd>" in page and "(南京市" not in page
    else:
        assert f", {region.name})</dd>" in page


def test_a_found_resident_without_a_birth_year_shows_a_dash_not_none(worker_client, resident_user):
    # Portrait facts such as the birth year are optional (given only with consent).
    Resident.objects.filter(pk=resident_user.resident_profile.pk).update(birth_year=None)
    response = worker_client.post(reverse("resident_find"), {"kind": "phone", "value": PHONE})
    html = response.content.decode()
    assert "Resident found" in html
    assert "<dt>Birth year</dt><dd>—</dd>" in html
    assert "None" not in html


@pytest.mark.parametrize(
    ("language", "label"), [("en", ">Community<span"), ("zh-hans", ">社区<span")]
)
def test_the_resident_profile_form_labels_the_community_in_the_readers_language(
    worker_client, language, label
):
    from django.utils import translation

    with translation.override(language):
        url = reverse("resident_create")
    html = worker_client.get(url).content.decode()
    assert f'<label for="id_community"{label}' in html


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        (
            "en",
            [
                "Required: <code>community, category, description</code>",
                "Optional: <code>urgency, channel, created_at, resident_national_id</code>",
                '<label for="id_kind">What the file holds<span',
            ],
        ),
        (
            "zh-hans",
            [
                "必填：<code>community、category、description</code>",
                "选填：<code>urgency、channel、created_at、resident_national_id</code>",
                '<label for="id_kind">文件内容<span',
            ],
        ),
    ],
)
def test_the_upload_page_says_which_columns_a_file_needs(worker_client, language, shown):
    from django.utils import translation

    with translation.override(language):
        url = reverse("bulk:upload")
    html = worker_client.get(url).content.decode()
    for text in shown:
        assert text in html
    assert "文件内容:" not in html  # no ASCII label suffix


def test_an_upload_without_a_file_is_told_beside_the_field(worker_client):
    response = worker_client.post(reverse("bulk:upload"), {"kind": "requests"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_file_error"' in html
    assert "novalidate" in html.split('enctype="multipart/form-data"', 1)[1].split(">", 1)[0]


def test_a_worker_takes_a_request_with_one_button(
    worker_client, worker, colleague, community, make_request, client, administrator
):
    """Taking a request is the commonest assignment: "Assign to me", not a search of the
    list of workers. Offered only to a worker the request may be assigned to, and not once
    it is theirs."""
    item = make_request(community=community, status=ServiceRequest.Status.ACCEPTED)
    detail = reverse("services:request_detail", args=[item.pk])
    html = worker_client.get(detail).content.decode()
    assert 'id="assign-to-me"' in html and "Assign to me" in html
    response = worker_client.post(
        reverse("services:request_assign", args=[item.pk]), {"assignee": worker.pk}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.assigned_to) == (ServiceRequest.Status.ASSIGNED, worker)
    assert 'id="assign-to-me"' not in worker_client.get(detail).content.decode()
    # A colleague serving the community may take it over; an administrator, who is no
    # worker of it, is not offered the button.
    worker_client.force_login(colleague)
    assert 'id="assign-to-me"' in worker_client.get(detail).content.decode()
    worker_client.force_login(administrator)
    assert 'id="assign-to-me"' not in worker_client.get(detail).content.decode()


def _input_value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_a_number_not_found_fills_in_the_new_profile_made_from_that_search(
    worker_client, worker, community
):
    """Search, find nobody, create the profile: the number is not typed twice. It waits in
    the session encrypted, fills in only the profile opened from that search's result, once,
    and the page holding it is not cached."""
    phone = "10000003333"
    result = worker_client.post(reverse("resident_find"), {"kind": "phone", "value": phone})
    html = result.content.decode()
    assert phone not in html  # the result page still does not echo it
    link = re.search(r'<a class="button" href="([^"]+)" id="create-from-search">', html)
    assert link, "no way from the search to a new profile"
    session = worker_client.session.load()
    assert phone not in repr(session)

    # The menu's "New resident" is someone else: nothing filled in, and the number is gone.
    worker_client.post(reverse("resident_find"), {"kind": "phone", "value": phone})
    assert (
        _input_value(worker_client.get(reverse("resident_create")).content.decode(), "phone") == ""
    )
    assert _input_value(worker_client.get(link.group(1)).content.decode(), "phone") == ""

    worker_client.post(reverse("resident_find"), {"kind": "phone", "value": phone})
    page = worker_client.get(link.group(1))
    assert _input_value(page.content.decode(), "phone") == phone
    assert page["Cache-Control"] == "no-store"
    assert _input_value(worker_client.get(link.group(1)).content.decode(), "phone") == ""
    response = worker_client.post(
        reverse("resident_create"), _profile_post(community, phone=phone, name="")
    )
    assert response.status_code == 302
    assert Resident.objects.get(created_by=worker).phone == phone


def test_a_new_profile_for_someone_without_an_account_is_reached_through_the_worker(
    worker_client,
):
    html = worker_client.get(reverse("resident_create")).content.decode()
    assert re.search(r'<option value="community_worker" selected>', html)
