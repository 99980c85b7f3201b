"""A logging filter that keeps identifiers out of log output as a second line of defence.

The code never logs names, phones or ID numbers on purpose; this filter masks anything that
looks like a mainland ID number or mobile number should one slip into a message or into the
text of an exception logged with it. Celery workers keep it (``CELERY_WORKER_HIJACK_ROOT_LOGGER``).
"""

from __future__ import annotations

import logging
import re

_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
_MOBILE = re.compile(r"(?<!\d)1\d{10}(?!\d)")


def redact(text: str) -> str:
    text = _ID.sub("[national-id]", text)
    return _MOBILE.sub("[phone]", text)


class RedactPersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        # A traceback is printed under the message, and an exception's text may quote a
        # value: it is formatted here (a formatter reuses ``exc_text``) and redacted too.
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FORMATTER = logging.Formatter()
