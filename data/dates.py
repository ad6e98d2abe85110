"""Reading the dates a team lead types (``2026-12-31``, ``today``, ``tomorrow``, ``+30d``,
``-7d``) and knowing what "today" is in a customer's time zone."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import arrow

from data import clock
from data.errors import InvalidInput, clip

DATE_HINT = "Write a date as 2026-12-31, today, tomorrow, +30d or -7d."
_RELATIVE = re.compile(r"^([+-])\s*(\d{1,4})\s*([dwmy]?)$", re.ASCII)  # not "+３d"


def zone(name: str) -> ZoneInfo:
    """The time zone named, or InvalidInput that says how to write one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise InvalidInput(
            f"'{clip(name)}' is not a time zone. Use a name such as Europe/London or America/Chicago."
        ) from error


@functools.cache
def _time_zones() -> frozenset[str]:
    # available_timezones() walks the whole time-zone database (about 10 ms) on every call,
    # and an import asks once per account row: read it once per process.
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    return name in _time_zones()


def today_in(time_zone: str) -> dt.date:
    """Today's date where the customer is."""
    return clock.now_in(zone(time_zone)).date()


def counts_back(text: str) -> bool:
    """Whether ``text`` is a relative date counted back from today (``-7d``, ``-2w``), which a
    command line must read as a value rather than as an option."""
    value = text.strip().lower()
    return value.startswith("-") and _RELATIVE.match(value) is not None


def parse_date(text: str, time_zone: str = "UTC") -> dt.date:
    """A typed date, relative words counted from today in ``time_zone``."""
    value = (text or "").strip().lower()
    if not value:
        raise InvalidInput(f"The date is empty. {DATE_HINT}")
    if not value.isascii():  # '２０２６-12-31': a date is written in the digits 0-9
        raise InvalidInput(f"'{clip(text.strip())}' is not a date. {DATE_HINT}")
    today = arrow.get(clock.now_in(zone(time_zone))).floor("day")
    if value == "today":
        return today.date()
    if value == "tomorrow":
        return today.shift(days=1).date()
    if value == "yesterday":
        return today.shift(days=-1).date()
    match = _RELATIVE.match(value)
    if match:
        sign, amount, unit = match.groups()
        count = int(amount) * (1 if sign == "+" else -1)
        unit_name = {"": "days", "d": "days", "w": "weeks", "m": "months", "y": "years"}[unit]
        shift: dict[str, Any] = {unit_name: count}
        try:
            return today.shift(**shift).date()
        except (ValueError, OverflowError) as error:  # past the year 9999, or before year 1
            raise InvalidInput(
                f"'{clip(text.strip())}' falls outside the calendar (years 1 to 9999). {DATE_HINT}"
            ) from error
    try:
        return arrow.get(value, "YYYY-MM-DD").date()
    except (arrow.parser.ParserError, ValueError) as error:
        raise InvalidInput(f"'{clip(text.strip())}' is not a date. {DATE_HINT}") from error


def as_local(moment: dt.datetime | None, time_zone: str) -> str:
    """A stored UTC time as the team lead reads it: ``2026-11-21 14:05 (3 hours ago)``."""
    if moment is None:
        return ""
    local = arrow.get(moment, tzinfo="UTC").to(zone(time_zone))
    return f"{local.format('YYYY-MM-DD HH:mm')} ({local.humanize()})"


def when(moment: dt.datetime | None) -> str:
    """A stored UTC time in this machine's local time, for messages: ``2026-11-21 14:05``."""
    if moment is None:
        return "an unknown time"
    return str(arrow.get(moment, tzinfo="UTC").to("local").format("YYYY-MM-DD HH:mm"))
