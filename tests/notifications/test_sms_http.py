"""The JSON-over-HTTPS SMS adapter against a provider stub on this machine (no network)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from notifications.sms import HttpJsonSmsBackend, SmsOutcomeUnknown, SmsRejected


class Provider:
    """A stub provider: records each call; answers with ``status`` after ``delay`` seconds."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict, dict]] = []
        self.status = 200
        self.answer: dict = {"id": "provider-42"}
        self.delay = 0.0
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                provider.calls.append((dict(self.headers), json.loads(self.rfile.read(length))))
                time.sleep(provider.delay)
                body = json.dumps(provider.answer).encode()
                try:
                    self.send_response(provider.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args):  # nothing on the test output
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1/messages"
        # shutdown() waits for the serving loop's next poll: half a second by default, paid
        # by every test; a short poll costs nothing measurable.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    with Provider() as stub:
        settings.SMS_HTTP_URL = stub.url
        settings.SMS_HTTP_API_KEY = "synthetic-key"
        settings.SMS_HTTP_CONNECT_TIMEOUT = 2.0
        settings.SMS_HTTP_READ_TIMEOUT = 0.5
        yield stub


def test_an_accepted_message_returns_the_providers_reference(provider):
    reference = HttpJsonSmsBackend().send(to="13800000000", text="Hello", reference="d-1")
    assert reference == "provider-42"
    ((headers, body),) = provider.calls
    assert body == {"to": "13800000000", "text": "Hello", "reference": "d-1"}
    assert headers["Authorization"] == "Bearer synthetic-key"
    assert headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("status", [400, 401, 429, 500, 503])
def test_a_refusal_is_a_rejection_that_names_the_status_not_the_number(provider, status):
    provider.status = status
    with pytest.raises(SmsRejected, match=str(status)) as raised:
        HttpJsonSmsBackend().send(to="13800000000", text="Hello", reference="d-1")
    assert "13800000000" not in str(raised.value)


def test_no_answer_in_time_is_an_unknown_outcome(provider):
    provider.delay = 2.0
    with pytest.raises(SmsOutcomeUnknown) as raised:
        HttpJsonSmsBackend().send(to="13800000000", text="Hello", reference="d-1")
    assert "13800000000" not in str(raised.value)
    assert len(provider.calls) == 1  # it reached the provider: it may have gone out


def test_a_provider_that_cannot_be_reached_is_a_rejection(settings):
    with Provider() as stub:
        url = stub.url
    settings.SMS_HTTP_URL = url  # the stub is gone: connection refused
    with pytest.raises(SmsRejected, match="could not connect"):
        HttpJsonSmsBackend().send(to="13800000000", text="Hello", reference="d-1")


@pytest.mark.parametrize(
    "url", ["", "http://sms.example.org/send", "ftp://127.0.0.1/send", "https:///nohost"]
)
def test_the_provider_address_must_be_https_except_to_this_machine(settings, url):
    settings.SMS_HTTP_URL = url
    with pytest.raises(ImproperlyConfigured):
        HttpJsonSmsBackend()


@pytest.mark.django_db
def test_a_delivery_through_the_http_adapter_is_marked_with_the_reference(
    provider, settings, django_capture_on_commit_callbacks
):
    from notifications import actions
    from notifications.models import Delivery, Event
    from tests.factories import ResidentFactory, ServiceRequestFactory

    settings.SMS_BACKEND = "notifications.sms.HttpJsonSmsBackend"
    resident = ResidentFactory(with_account=True)
    request_ = ServiceRequestFactory(resident=resident)
    with django_capture_on_commit_callbacks(execute=True):
        actions.notify_request_event(request_id=request_.pk, event=Event.STATUS_CHANGED)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.provider_reference) == (Delivery.State.SENT, "provider-42")
    assert provider.calls[0][1]["to"] == resident.phone
    provider.status = 503
    assert actions.delivery_send(delivery_id=delivery.pk) == Delivery.State.SENT
    assert len(provider.calls) == 1
