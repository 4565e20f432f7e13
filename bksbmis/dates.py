"""Dates as the product writes them for people: the UK long form, "6 Dec 2026" (and "6 Dec 2026 10:00 GMT").

Screens use Django's `date:"j M Y"` filter, which reads the same; this is for text made in Python
(a funding flag's reasons, an evidence pack, a filter's chip), so one record never shows a date two ways.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def uk_date(value: dt.date) -> str:
    """6 Dec 2026 (a datetime is taken in UK local time first). Month names never follow the server's locale."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def uk_datetime(value: dt.datetime) -> str:
    """6 Dec 2026 10:00 GMT: UK local time, with its zone."""
    local = timezone.localtime(value)
    return f"{uk_date(local)} {local:%H:%M %Z}"
