"""Text messages, behind one small interface.

``SmsBackend.send(to=…, text=…, reference=…)`` either returns the provider's reference for a
message it accepted, raises :class:`SmsRejected` when the provider answered that it did not
send it, or raises :class:`SmsOutcomeUnknown` when nobody can tell (a timeout after the
message left). ``settings.SMS_BACKEND`` names the backend:

* ``notifications.sms.RecordingSmsBackend`` (development and tests): keeps the messages in
  memory, like Django's locmem mail backend, and sends nothing;
* ``notifications.sms.HttpJsonSmsBackend``: a generic JSON-over-HTTPS provider adapter
  (``SMS_HTTP_URL``, ``SMS_HTTP_API_KEY``, ``SMS_HTTP_CONNECT_TIMEOUT``,
  ``SMS_HTTP_READ_TIMEOUT`` from the environment).

Phone numbers are personal data: they are passed in at send time and never logged, never
kept in an exception message and never stored (a delivery keeps only the masked form).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import ssl
from dataclasses import dataclass
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class SmsRejected(Exception):
    """The provider answered and did not send the message (safe to say "failed")."""


class SmsOutcomeUnknown(Exception):
    """The message may or may not have gone out (never retried: at most once)."""


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> str: ...


@dataclass(frozen=True)
class RecordedSms:
    to: str
    text: str
    reference: str


class RecordingSmsBackend:
    """Sends nothing; appends each message to ``RecordingSmsBackend.outbox`` (per process)."""

    outbox: ClassVar[list[RecordedSms]] = []

    def send(self, *, to: str, text: str, reference: str) -> str:
        self.outbox.append(RecordedSms(to=to, text=text, reference=reference))
        return f"recorded-{len(self.outbox)}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class HttpJsonSmsBackend:
    """POST ``{"to": …, "text": …, "reference": …}`` as JSON with
    ``Authorization: Bearer <SMS_HTTP_API_KEY>`` to ``SMS_HTTP_URL``; a 2xx answer is
    accepted (the reference is the answer's ``id`` when it gives one), any other answer is a
    rejection, and a timeout or a dropped connection after sending is an unknown outcome.
    HTTPS only, except to this machine (a provider stub)."""

    def __init__(self) -> None:
        url = settings.SMS_HTTP_URL
        parts = urlsplit(url)
        if not url or parts.scheme not in ("https", "http") or not parts.hostname:
            raise ImproperlyConfigured("SMS_HTTP_URL must be the provider's https:// address")
        if parts.scheme == "http" and not _loopback(parts.hostname):
            raise ImproperlyConfigured("SMS_HTTP_URL must use https (http only to localhost)")
        self.parts = parts
        self.api_key = settings.SMS_HTTP_API_KEY
        self.connect_timeout = settings.SMS_HTTP_CONNECT_TIMEOUT
        self.read_timeout = settings.SMS_HTTP_READ_TIMEOUT

    def _connection(self) -> http.client.HTTPConnection:
        port = self.parts.port
        if self.parts.scheme == "https":
            return http.client.HTTPSConnection(
                self.parts.hostname,
                port,
                timeout=self.connect_timeout,
                context=ssl.create_default_context(),
            )
        return http.client.HTTPConnection(self.parts.hostname, port, timeout=self.connect_timeout)

    def send(self, *, to: str, text: str, reference: str) -> str:
        body = json.dumps({"to": to, "text": text, "reference": reference}).encode()
        path = self.parts.path or "/"
        if self.parts.query:
            path += f"?{self.parts.query}"
        connection = self._connection()
        try:
            try:
                connection.connect()
            except OSError as exc:
                # Nothing left this machine: the provider never saw the message.
                raise SmsRejected(
                    f"could not connect to the SMS provider ({type(exc).__name__})"
                ) from None
            connection.sock.settimeout(self.read_timeout)
            try:
                connection.request(
                    "POST",
                    path,
                    body=body,
                    headers={
                        "Content-Type": "application/json",
                        "Accept": "application/json",
                        "Authorization": f"Bearer {self.api_key}",
                    },
                )
                response = connection.getresponse()
                answer = response.read(64_000)
            except (OSError, http.client.HTTPException) as exc:
                raise SmsOutcomeUnknown(
                    f"no answer from the SMS provider ({type(exc).__name__})"
                ) from None
        finally:
            connection.close()
        if not 200 <= response.status < 300:
            raise SmsRejected(f"the SMS provider answered HTTP {response.status}")
        try:
            reference_given = json.loads(answer or b"{}").get("id", "")
        except (ValueError, AttributeError):
            reference_given = ""
        return str(reference_given or reference)[:100]


def sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
