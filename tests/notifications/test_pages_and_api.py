"""The notification centre, the header's unread count, the preferences page and the API:
every role has them, and each person only ever sees their own notifications."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import actions
from notifications.models import Channel, Delivery, Event, Notification, Preference
from notifications.queries import route_for
from tests.factories import (
    AdministratorFactory,
    CommunityFactory,
    ResidentFactory,
    ServiceRequestFactory,
    WorkerFactory,
    api_client,
)

pytestmark = pytest.mark.django_db
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _notify(user, count: int = 1, kind: str = Event.STATUS_CHANGED) -> list[Notification]:
    from notifications.models import NotificationEvent

    made = []
    for n in range(count):
        event = NotificationEvent.objects.create(key=f"test:{user.pk}:{kind}:{n}", kind=kind)
        made.append(
            Notification.objects.create(
                event=event,
                recipient=user,
                kind=kind,
                request_id=None,
                texts={
                    "en": {"title": f"English title {n}", "body": "English body"},
                    "zh-hans": {"title": f"中文标题 {n}", "body": "中文正文"},
                },
                link="/requests/1/",
            )
        )
    return made


@pytest.fixture
def people():
    community = CommunityFactory()
    return {
        "resident": ResidentFactory(community=community, with_account=True).user,
        "worker": WorkerFactory(communities=[community], email="w@example.org"),
        "admin": AdministratorFactory(email="a@example.org"),
    }


@pytest.mark.parametrize("role", ["resident", "worker", "admin"])
def test_every_role_sees_its_own_notifications_and_unread_count(client, people, role):
    user = people[role]
    mine = _notify(user, 2)
    for other_role, other in people.items():
        if other_role != role:
            _notify(other, 1)
    client.force_login(user, backend=BACKEND)
    page = client.get(reverse("notifications:centre"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "English title 0" in text and "English title 1" in text
    assert text.count('class="card notification notification--unread"') == 2
    assert 'id="unread-count">2 unread' in text
    # Newest first.
    assert text.index("English title 1") < text.index("English title 0")
    # Marking one read lowers the header's count.
    client.post(reverse("notifications:open", args=[mine[0].pk]))
    text = client.get(reverse("home"), follow=True).content.decode()
    assert 'id="unread-count">1 unread' in text


def test_the_centre_speaks_the_readers_language(client, people):
    _notify(people["resident"])
    client.force_login(people["resident"], backend=BACKEND)
    text = client.get("/zh-hans/notifications/").content.decode()
    assert "中文标题 0" in text and "English title" not in text


def test_no_one_can_mark_or_open_anothers_notification(client, people):
    (theirs,) = _notify(people["worker"])
    client.force_login(people["resident"], backend=BACKEND)
    assert client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_only_mine(client, people):
    _notify(people["resident"], 3)
    (theirs,) = _notify(people["worker"])
    client.force_login(people["resident"], backend=BACKEND)
    response = client.post(reverse("notifications:read_all"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=people["resident"], read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_a_notification_marks_it_read_and_goes_to_its_request(client, people):
    (mine,) = _notify(people["resident"])
    client.force_login(people["resident"], backend=BACKEND)
    response = client.post(reverse("notifications:open", args=[mine.pk]), {"follow": "1"})
    assert response.status_code == 302 and response["Location"] == "/requests/1/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_the_centre_is_paginated(client, people):
    _notify(people["worker"], 25)
    client.force_login(people["worker"], backend=BACKEND)
    first = client.get(reverse("notifications:centre")).content.decode()
    second = client.get(reverse("notifications:centre") + "?page=2").content.decode()
    assert first.count("English title") == 20 and second.count("English title") == 5


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("notifications:centre"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_resident_chooses_email_and_chinese_and_is_told_so(client, people, mailoutbox):
    resident = people["resident"]
    resident.email = "r@example.org"
    resident.save()
    client.force_login(resident, backend=BACKEND)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="sms"' in page  # a resident with a phone may choose text messages
    response = client.post(
        reverse("notifications:preferences"),
        {"in_app": "on", "email": "on", "preferred_channel": "email", "language": "zh-hans"},
    )
    assert response.status_code == 302
    saved = Preference.objects.get(user=resident)
    assert (saved.preferred_channel, saved.language, saved.sms) == ("email", "zh-hans", False)

    request_ = ServiceRequestFactory(resident=resident.resident_profile)
    actions.notify_request_event(request_id=request_.pk, event=Event.STATUS_CHANGED)
    from notifications.models import NotificationEvent

    actions.notification_event_process(event_id=NotificationEvent.objects.get().pk)
    (message,) = mailoutbox
    assert message.to == ["r@example.org"]
    assert message.subject.startswith("请求 #")


def test_staff_are_not_offered_sms_and_cannot_prefer_a_channel_turned_off(client, people):
    worker = people["worker"]
    client.force_login(worker, backend=BACKEND)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'name="sms"' not in page
    response = client.post(
        reverse("notifications:preferences"),
        {"in_app": "on", "preferred_channel": "email", "language": "en"},
    )
    assert response.status_code == 200
    assert "cannot be one you turned off" in response.content.decode()
    assert not Preference.objects.exists()
    response = client.post(
        reverse("notifications:preferences"),
        {"in_app": "on", "email": "on", "preferred_channel": "sms", "language": "en"},
    )
    assert response.status_code == 200 and not Preference.objects.exists()


def test_opting_out_of_every_outside_channel_leaves_the_centre_only(people, sms_outbox):
    resident = people["resident"]
    actions.preference_save(
        user=resident,
        in_app=True,
        email=False,
        sms=False,
        preferred_channel=Channel.IN_APP,
        language="en",
    )
    request_ = ServiceRequestFactory(resident=resident.resident_profile)
    actions.notify_request_event(request_id=request_.pk, event=Event.STATUS_CHANGED)
    from notifications.models import NotificationEvent

    actions.notification_event_process(event_id=NotificationEvent.objects.get().pk)
    assert Notification.objects.filter(recipient=resident, in_app=True).count() == 1
    assert not Delivery.objects.exists() and sms_outbox == []


def test_opting_out_of_the_centre_hides_it_there(people, client):
    resident = people["resident"]
    actions.preference_save(
        user=resident, in_app=False, email=False, sms=True, preferred_channel="sms", language="en"
    )
    request_ = ServiceRequestFactory(resident=resident.resident_profile)
    actions.notify_request_event(request_id=request_.pk, event=Event.STATUS_CHANGED)
    from notifications.models import NotificationEvent

    actions.notification_event_process(event_id=NotificationEvent.objects.get().pk)
    client.force_login(resident, backend=BACKEND)
    text = client.get(reverse("notifications:centre")).content.decode()
    assert "You have no notifications." in text
    assert Delivery.objects.get().state == Delivery.State.SENT


# The API ------------------------------------------------------------------------------------


def test_the_api_lists_only_my_notifications_in_my_language(people):
    _notify(people["resident"], 2)
    _notify(people["worker"], 1)
    Preference.objects.create(user=people["resident"], language="zh-hans")
    response = api_client(people["resident"]).get("/api/v1/notifications/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["title"] for row in rows] == ["中文标题 1", "中文标题 0"]
    assert all(row["read"] is False for row in rows)


def test_the_api_marks_read_one_and_all(people):
    mine = _notify(people["worker"], 3)
    client = api_client(people["worker"])
    response = client.post(f"/api/v1/notifications/{mine[0].pk}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    response = client.post("/api/v1/notifications/read-all/")
    assert response.json() == {"marked": 2, "unread": 0}


# Preferences over the API ---------------------------------------------------------------------

PREFERENCES = "/api/v1/notifications/preferences/"


def test_the_api_reads_my_preferences_with_the_defaults(people):
    body = api_client(people["worker"]).get(PREFERENCES).json()
    assert body == {
        "in_app": True,
        "email": True,
        "sms": False,
        "preferred_channel": "email",
        "language": "en",
        "channels_offered": ["in_app", "email"],
    }


def test_the_api_changes_only_the_fields_sent_through_the_pages_rule(people):
    client = api_client(people["worker"])
    response = client.patch(PREFERENCES, {"language": "zh-hans"}, format="json")
    assert response.status_code == 200
    assert response.json()["language"] == "zh-hans"
    saved = Preference.objects.get(user=people["worker"])
    assert (saved.language, saved.preferred_channel, saved.email) == ("zh-hans", "email", True)
    # Opting out of email while it is the preferred channel is refused by name, saving nothing.
    response = client.patch(PREFERENCES, {"email": False}, format="json")
    assert response.status_code == 400
    assert "preferred_channel" in response.json()
    assert Preference.objects.get(user=people["worker"]).email is True
    # Opting out of email and of the centre together with a new preferred channel works.
    response = client.patch(
        PREFERENCES, {"email": False, "in_app": False, "preferred_channel": "in_app"}, format="json"
    )
    assert response.status_code == 200
    saved.refresh_from_db()
    assert (saved.email, saved.in_app, saved.preferred_channel) == (False, False, "in_app")


def test_the_api_refuses_channels_a_person_cannot_be_reached_on(people):
    client = api_client(people["worker"])
    response = client.patch(PREFERENCES, {"sms": True}, format="json")
    assert response.status_code == 400 and "sms" in response.json()
    response = client.patch(PREFERENCES, {"language": "fr"}, format="json")
    assert response.status_code == 400 and "language" in response.json()
    assert not Preference.objects.filter(user=people["worker"]).exists()


def test_the_preferences_need_a_login_and_are_each_persons_own(people):
    assert api_client(None).get(PREFERENCES).status_code in (401, 403)
    api_client(people["admin"]).patch(PREFERENCES, {"language": "zh-hans"}, format="json")
    assert api_client(people["worker"]).get(PREFERENCES).json()["language"] == "en"


def test_the_preferences_are_in_the_schema(people):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = schema["paths"]["/api/v1/notifications/preferences/"]
    assert {"get", "patch"} <= set(operations)
    assert "Preference" in schema["components"]["schemas"]


def test_a_default_that_cannot_reach_the_person_does_not_block_a_change(people):
    """A worker without an email address: the default email channel reaches nobody, so it
    reads as the centre only, and changing the language alone works."""
    worker = people["worker"]
    worker.email = ""
    worker.save()
    client = api_client(worker)
    assert client.get(PREFERENCES).json()["preferred_channel"] == "in_app"
    response = client.patch(PREFERENCES, {"language": "zh-hans"}, format="json")
    assert response.status_code == 200
    assert Preference.objects.get(user=worker).preferred_channel == "in_app"


def test_the_api_shows_the_preferred_channel_as_route_for_sends(people):
    """A preferred channel that is turned off sends nothing (``route_for``): the API shows
    the centre only, as for an unreachable default, and a change of the language alone works."""
    worker = people["worker"]
    Preference.objects.create(user=worker, email=False, preferred_channel=Channel.EMAIL)
    assert route_for(user=worker).external is None
    client = api_client(worker)
    assert client.get(PREFERENCES).json()["preferred_channel"] == "in_app"
    response = client.patch(PREFERENCES, {"language": "zh-hans"}, format="json")
    assert response.status_code == 200
    assert response.json()["preferred_channel"] == "in_app"
    assert Preference.objects.get(user=worker).language == "zh-hans"


@pytest.mark.parametrize("role", ["resident", "worker"])
@pytest.mark.parametrize("saved_before", [False, True])
def test_a_patch_reads_the_preferences_once(people, role, saved_before):
    """The PATCH reads the preferences (and the resident profile behind the SMS channel)
    once and answers with what the action saved; the only other read of the preference row
    is the write's own (``update_or_create`` under its row lock, inside the action)."""
    user = people[role]
    client = api_client(user)
    if saved_before:
        assert client.patch(PREFERENCES, {"language": "en"}, format="json").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.patch(PREFERENCES, {"language": "zh-hans"}, format="json")
    assert response.status_code == 200 and response.json()["language"] == "zh-hans"
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    preference_reads = [sql for sql in selects if 'FROM "notifications_preference"' in sql]
    profile_reads = [sql for sql in selects if 'FROM "residents_resident"' in sql]
    assert len(preference_reads) == 2  # the API's one reading, the action's locked one
    # channels_offered: the API's reading and the action's own check (residents only).
    assert len(profile_reads) == (2 if role == "resident" else 0)


def _email_preferred_page(client, people, language: str, *, email_on: bool) -> str:
    """The preferences page of a worker with an email address who prefers email, with email
    turned on or off, in ``language``."""
    from django.utils import translation

    worker = people["worker"]
    worker.email = "w@example.org"
    worker.save()
    Preference.objects.create(user=worker, email=email_on, preferred_channel=Channel.EMAIL)
    client.force_login(worker, backend=BACKEND)
    with translation.override(language):
        url = reverse("notifications:preferences")
    return client.get(url).content.decode()


@pytest.mark.parametrize(
    ("language", "email_on", "expected"),
    [
        ("en", True, "Notifications now reach you in the notification centre and by email."),
        ("en", False, "Notifications now reach you in the notification centre only."),
        ("zh-hans", True, "通知目前会发送到通知中心，并通过电子邮件发送。"),
        ("zh-hans", False, "通知目前只发送到通知中心。"),
    ],
)
def test_the_preferences_page_says_where_notifications_now_go(
    client, people, language, email_on, expected
):
    """As ``route_for`` sends them: email preferred but turned off sends no email, and the
    page says so rather than only echoing the saved choice."""
    page = _email_preferred_page(client, people, language, email_on=email_on)
    assert expected in page
    # And why the preferred email sends nothing when it does not.
    why = {
        "en": "Email is your preferred channel but is turned off below.",
        "zh-hans": "您首选电子邮件，但已在下方关闭电子邮件。",
    }
    assert (why[language] in page) is not email_on


@pytest.mark.parametrize(
    ("language", "notice"),
    [
        (
            "en",
            "Notifications now reach you in the notification centre only. "
            "Email is your preferred channel but is turned off below.",
        ),
        ("zh-hans", "通知目前只发送到通知中心。您首选电子邮件，但已在下方关闭电子邮件。"),
    ],
)
def test_the_preferences_notice_joins_its_sentences_as_the_language_does(
    client, people, language, notice
):
    """English sentences are joined with a space, Chinese ones with nothing."""
    page = _email_preferred_page(client, people, language, email_on=False)
    assert f'<p class="notice">{notice}</p>' in page


def test_the_preferences_page_says_an_account_without_an_address_gets_no_email(client, people):
    worker = people["worker"]
    worker.email = ""
    worker.save()
    Preference.objects.create(user=worker, email=True, preferred_channel=Channel.EMAIL)
    client.force_login(worker, backend=BACKEND)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Notifications now reach you in the notification centre only." in page
    assert "Email is your preferred channel but your account has no email address." in page
