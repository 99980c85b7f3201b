"""Identifiers stay out of the logs of web and worker processes alike (an attacker's probe of
December 2026).

``core.logging.RedactPersonalDataFilter`` masked ID and mobile numbers in a log message but
not in the traceback printed under it, and a Celery worker replaced the root logger's
handlers with its own, so nothing a task logged was filtered at all.
"""

from __future__ import annotations

import io
import logging

import pytest

from config.celery import app
from core.logging import RedactPersonalDataFilter

SYNTHETIC_ID = "11010119900307777X"
SYNTHETIC_PHONE = "13800000000"


def _output(log: logging.Logger, emit) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactPersonalDataFilter())
    log.addHandler(handler)
    try:
        emit()
    finally:
        log.removeHandler(handler)
    return stream.getvalue()


def test_a_traceback_is_redacted_as_its_message_is():
    log = logging.getLogger("tests.security.redaction")
    log.propagate = False

    def emit():
        try:
            raise ValueError(f"no profile for {SYNTHETIC_ID} or {SYNTHETIC_PHONE}")
        except ValueError:
            log.exception("lookup for %s failed", SYNTHETIC_PHONE)

    text = _output(log, emit)
    assert "Traceback" in text and "[national-id]" in text and "[phone]" in text
    assert SYNTHETIC_ID not in text and SYNTHETIC_PHONE not in text


@pytest.fixture
def celery_logging_setup():
    """Celery's own set-up of a worker's logging, run here and undone afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, app.log.already_setup)
    app.log.already_setup = False
    yield lambda: app.log.setup_logging_subsystem(loglevel="WARNING")
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    app.log.already_setup = saved[2]


def test_a_celery_worker_keeps_the_redacting_handlers(celery_logging_setup):
    # The site's handler (config.settings.LOGGING), as the worker's Django set-up adds it.
    root = logging.getLogger()
    site_handler = logging.StreamHandler(io.StringIO())
    site_handler.addFilter(RedactPersonalDataFilter())
    root.addHandler(site_handler)
    celery_logging_setup()
    assert site_handler in root.handlers
    logging.getLogger("services.probe").warning("sent to %s", SYNTHETIC_PHONE)
    assert "[phone]" in site_handler.stream.getvalue()
