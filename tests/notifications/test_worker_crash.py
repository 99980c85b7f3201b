"""No duplicate SMS or email with a real broker and worker: a worker process killed while
the SMS provider holds its message open is redelivered the task (acks late, rejected on
worker loss) and sends nothing again; a duplicate message sends nothing either.

Needs PostgreSQL and a Celery broker configured (CI: ``.ci/run``); the test runs its own
throwaway redis-server as the broker and a provider stub on this machine (no network).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from config.celery import worker_argv
from notifications import actions
from notifications.models import Delivery, Event, NotificationEvent
from notifications.tasks import notification_event_process_task
from residents.models import City, Region
from residents.reference import sync_cities
from services.models import ServiceRequest
from tests.analytics import worker_process
from tests.analytics.worker_process import RedisServer, app_broker, wait_for
from tests.factories import CommunityFactory, ResidentFactory, ServiceRequestFactory, WorkerFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    # serialized_rollback: the flush after these tests must not re-create the content types
    # that the next serialized test restores (they would collide on PostgreSQL).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL or connection.vendor != "postgresql",
        reason="needs a Celery broker and PostgreSQL (set CELERY_BROKER_URL and DATABASE_URL)",
    ),
]


class HangingProvider:
    """An SMS provider stub that records every message and holds the first one open (no
    answer) until released: the sender is mid-send for as long as the test wants."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.release = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                provider.messages.append(body)
                if len(provider.messages) == 1:
                    provider.release.wait(120)
                answer = json.dumps({"id": f"stub-{len(provider.messages)}"}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender was killed

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/messages"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _pool_children(pid: int) -> list[int]:
    """The prefork pool's processes of a worker (its direct children)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.fixture
def provider():
    stub = HangingProvider()
    yield stub
    stub.close()


@pytest.fixture
def worker(tmp_path, provider):
    redis = RedisServer(tmp_path)
    redis.start()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = dict(
        os.environ,
        DATABASE_URL=worker_process.test_database_url(),
        DATABASE_CONN_MAX_AGE="0",
        CELERY_BROKER_URL=redis.url,
        SMS_BACKEND="notifications.sms.HttpJsonSmsBackend",
        SMS_HTTP_URL=provider.url,
        SMS_HTTP_API_KEY="synthetic-key",
        SMS_HTTP_READ_TIMEOUT="120",
        # django-environ drops the first slash of the path: four slashes make it absolute.
        EMAIL_URL=f"filemail:///{mail_dir}",
    )
    process = subprocess.Popen(
        worker_argv(),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        with app_broker(redis.url):
            yield process, mail_dir
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        redis.stop()


def _emails(mail_dir: Path) -> list[str]:
    return [
        line
        for path in mail_dir.iterdir()
        for line in path.read_text().splitlines()
        if line.startswith("Subject:")
    ]


def test_a_worker_killed_mid_send_sends_no_sms_or_email_twice(worker, provider, settings):
    process, mail_dir = worker
    sync_cities(Region, City)  # an earlier transactional test may have flushed them
    community = CommunityFactory()
    staff = WorkerFactory(communities=[community], email="worker@example.org")
    resident = ResidentFactory(community=community, with_account=True)
    request_ = ServiceRequestFactory(resident=resident, status=ServiceRequest.Status.SUBMITTED)

    # A new request (email to the worker), then a status change (SMS to the resident).
    with transaction.atomic():
        actions.notify_request_event(
            request_id=request_.pk, event=Event.SUBMITTED, actor_id=resident.user_id
        )
    with transaction.atomic():
        actions.notify_request_event(
            request_id=request_.pk, event=Event.STATUS_CHANGED, actor_id=staff.pk
        )
    status_event = NotificationEvent.objects.get(kind=Event.STATUS_CHANGED)

    # The SMS is at the provider, which has not answered: the sender is mid-send.
    wait_for(lambda: len(provider.messages) == 1, timeout=90, what="the SMS to reach the stub")
    assert len(_emails(mail_dir)) == 1, list(Delivery.objects.values())
    sms = Delivery.objects.get(channel="sms")
    assert sms.state == Delivery.State.SENDING
    (child,) = _pool_children(process.pid)
    os.kill(child, signal.SIGKILL)

    # The parent sees its child die and puts the message back; a new child runs it again,
    # then a duplicate of it, then a later event that goes through (our barrier: one child,
    # so the messages before it were handled when its SMS arrives).
    wait_for(
        lambda: _pool_children(process.pid) not in ([], [child]), timeout=60, what="a new child"
    )
    time.sleep(2)
    notification_event_process_task.delay(status_event.pk)
    with transaction.atomic():
        actions.notify_request_event(request_id=request_.pk, event=Event.PUBLIC_REPLY)
    wait_for(lambda: len(provider.messages) == 2, timeout=90, what="the later SMS")

    references = [m["reference"] for m in provider.messages]
    assert references.count(f"notification-delivery-{sms.pk}") == 1, references
    assert references == [
        f"notification-delivery-{sms.pk}",
        f"notification-delivery-{Delivery.objects.exclude(pk=sms.pk).get(channel='sms').pk}",
    ]
    assert provider.messages[0]["to"] == resident.phone
    assert len(_emails(mail_dir)) == 1
    sms.refresh_from_db()
    assert (sms.state, sms.attempts) == (Delivery.State.SENDING, 1)

    # The sweeper settles it as unknown; it is never sent again.
    settings.NOTIFICATIONS_STALE_SECONDS = 0
    assert actions.notifications_sweep()[1] == 1
    sms.refresh_from_db()
    assert sms.state == Delivery.State.UNKNOWN
    assert len(provider.messages) == 2
