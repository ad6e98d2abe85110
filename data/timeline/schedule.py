"""When a task is due: due rules (so many days or hours before or after an anchor), due moments
computed with arrow in the customer's time zone by wall-clock rules, and how near or late they
read ("due in 3 days", "2 days overdue").

Time "now" is read from ``data.clock``, which tests stop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import arrow

from data import clock
from data.dates import zone
from data.models import Cancellation


class DayUnit(StrEnum):
    DAY = "day"
    HOUR = "hour"


class Anchor(StrEnum):
    """What a due rule counts from: the day the cancellation began, or its effective date."""

    BEGIN = "begin"
    EFFECTIVE = "effective"


@dataclass(frozen=True)
class Due:
    """When a task is due: ``at`` is the moment (local to the customer); a task due on a day is
    due by the end of that day, ``date``."""

    at: arrow.Arrow
    date: dt.date
    timed: bool

    def absolute(self) -> str:
        """``Fri 2026-03-27`` or, for a task due at a time, ``Fri 2026-03-27 00:00 CET``."""
        if self.timed:
            return str(self.at.format("ddd YYYY-MM-DD HH:mm")) + f" {self.at.tzname()}"
        return str(arrow.get(self.date).format("ddd YYYY-MM-DD"))


@dataclass(frozen=True)
class DueRule:
    """A due rule as the plan writes it: so many days or hours before or after an anchor, or day N
    after it (day 1 being the anchor's own day)."""

    text: str
    anchor: Anchor
    offset: int
    unit: DayUnit

    def due(self, anchors: Mapping[Anchor, arrow.Arrow | None]) -> Due | None:
        """The due moment from the anchors (local arrows); None while the anchor is unknown."""
        base = anchors.get(self.anchor)
        if base is None:
            return None
        if self.unit is DayUnit.HOUR:
            # Wall-clock arithmetic in the customer's zone ("72 hours before, local time"): the
            # same time on the clock three days earlier, whatever daylight saving does between.
            at = _normalise(base.shift(hours=self.offset))
            return Due(at, at.date(), True)
        day = base.date() + dt.timedelta(days=self.offset)
        return Due(start_of(day + dt.timedelta(days=1), base), day, False)


def start_of(day: dt.date, like: arrow.Arrow) -> arrow.Arrow:
    return _normalise(arrow.Arrow(day.year, day.month, day.day, tzinfo=like.tzinfo))


def _normalise(moment: arrow.Arrow) -> arrow.Arrow:
    # A clock time that does not exist (skipped by a DST change) becomes the real moment after.
    return moment.to("UTC").to(moment.tzinfo)


def zoned(moment: dt.datetime | None, time_zone: str | dt.tzinfo) -> str:
    """A stored UTC moment in the customer's zone, the zone named: ``2026-11-29 04:32 MST``
    (every time the Timeline, Today and their dialogs show reads this way)."""
    if moment is None:
        return "an unknown time"
    where = zone(time_zone) if isinstance(time_zone, str) else time_zone
    local = arrow.get(moment, tzinfo="UTC").to(where)
    return f"{local.format('YYYY-MM-DD HH:mm')} {local.tzname()}"


def local_now(time_zone: str) -> arrow.Arrow:
    """Now in the customer's zone."""
    return arrow.get(clock.now(), tzinfo="UTC").to(zone(time_zone))


def anchors(cancellation: Cancellation, time_zone: str) -> dict[Anchor, arrow.Arrow | None]:
    where = zone(time_zone)
    begun = arrow.get(cancellation.begun_at, tzinfo="UTC").to(where)
    effective = cancellation.effective_date
    return {
        Anchor.BEGIN: begun,
        Anchor.EFFECTIVE: start_of(effective, begun) if effective is not None else None,
    }


def relative(due: Due, now: arrow.Arrow) -> str:
    """ "due today", "due in 3 days", "2 days overdue", "due in 5 hours"…"""
    # Elapsed time is measured in UTC: arrows in one zone subtract by the clock.
    seconds = (due.at.to("UTC") - now.to("UTC")).total_seconds()
    if due.timed and abs(seconds) < 86_400:
        hours = max(1, round(abs(seconds) / 3600))
        unit = "hour" if hours == 1 else "hours"
        return f"due in {hours} {unit}" if due.at >= now else f"{hours} {unit} overdue"
    days = (due.date - now.date()).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days > 1:
        return f"due in {days} days"
    return f"{-days} day overdue" if days == -1 else f"{-days} days overdue"
