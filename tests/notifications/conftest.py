from __future__ import annotations

import pytest

from notifications.sms import RecordingSmsBackend


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    """Every test starts with an empty SMS outbox and the recording backend."""
    settings.SMS_BACKEND = "notifications.sms.RecordingSmsBackend"
    RecordingSmsBackend.outbox.clear()
    yield RecordingSmsBackend.outbox
    RecordingSmsBackend.outbox.clear()


@pytest.fixture
def sms_outbox(_sms_outbox):
    return _sms_outbox
