"""Log filter that masks personal data (ID numbers, phone numbers) in every log record."""

from __future__ import annotations

import logging
import re

# 12-digit personal ID numbers and 9-digit legacy ID numbers.
_ID_RE = re.compile(r"(?<!\d)(\d{3})\d{3,6}(\d{3})(?!\d)")
# Vietnamese phone numbers: 0xxxxxxxxx or +84xxxxxxxxx, with optional separators.
_PHONE_RE = re.compile(r"(?<![\d+])(?:\+84|0)(?:[\s.-]?\d){8,10}(?!\d)")


def redact(text: str) -> str:
    text = _PHONE_RE.sub("[phone]", text)
    return _ID_RE.sub(lambda m: f"{m.group(1)}******{m.group(2)}", text)


class RedactPersonalDataFilter(logging.Filter):
    """Formats the message once, masks ID numbers and phones, and drops the raw arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the log line
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class RedactingFormatter(logging.Formatter):
    """Masks personal data in the whole formatted line, tracebacks included."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))
