"""The period a report covers (``--from`` / ``--to``, both days included, in UTC) and the
period of the same length just before it, which every report compares against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data import clock
from data.dates import parse_date
from data.errors import InvalidInput

DEFAULT_DAYS = 90


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - dt.timedelta(days=1)
        return Period(end - dt.timedelta(days=self.days - 1), end)

    @property
    def following(self) -> Period:
        """The period of the same length that starts the day after this one ends."""
        start = self.end + dt.timedelta(days=1)
        return Period(start, start + dt.timedelta(days=self.days - 1))

    @property
    def since(self) -> dt.datetime:
        """The first moment of the period (naive UTC, as times are stored)."""
        return dt.datetime.combine(self.start, dt.time())

    @property
    def until(self) -> dt.datetime:
        """The first moment after the period."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time())

    def label(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    def as_json(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def last_days(days: int = DEFAULT_DAYS, today: dt.date | None = None) -> Period:
    """The last ``days`` days, today included."""
    end = today or clock.now().date()
    return Period(end - dt.timedelta(days=days - 1), end)


def next_days(days: int = DEFAULT_DAYS, today: dt.date | None = None) -> Period:
    """The next ``days`` days, today included (win-back looks ahead)."""
    start = today or clock.now().date()
    return Period(start, start + dt.timedelta(days=days - 1))


def period_from(
    start: str | None, end: str | None, *, ahead: bool = False, days: int = DEFAULT_DAYS
) -> Period:
    """The period typed as ``--from`` and ``--to`` (dates as ``data.dates`` reads them). With
    only one of them, the period is ``days`` long from or to it; with neither, the last ``days``
    days (the next ``days`` when ``ahead``)."""
    first = parse_date(start) if start else None
    last = parse_date(end) if end else None
    span = dt.timedelta(days=days - 1)
    if first is None and last is None:
        return next_days(days) if ahead else last_days(days)
    if first is None:
        assert last is not None
        first = last - span
    if last is None:
        last = first + span
    if last < first:
        raise InvalidInput(
            f"The period ends ({last.isoformat()}) before it starts ({first.isoformat()}). "
            "Give --from a date on or before --to."
        )
    if (last - first).days > 3660:
        raise InvalidInput("A report covers at most ten years. Give a shorter --from/--to period.")
    return Period(first, last)
