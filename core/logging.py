"""A logging filter that keeps identifiers out of log output as a second line of defence.

The code never logs names, phones or ID numbers on purpose; this filter masks anything that
looks like a mainland ID number or mobile number should one slip into a message.
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
        return True
