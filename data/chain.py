"""The audit trail's hash chain: each event's hash covers its content and the previous event's
hash, so a changed, deleted or inserted event breaks the chain where it happened.

The hash is SHA-256 (hex) over a canonical JSON serialisation of the event's columns (its id
aside: an id is only known once the row is written, and the chain itself fixes the order). It
must never change: every stored hash was made with it. ``verify`` walks the chain page by page
(memory stays flat on any length of trail) and names the first event that does not hold.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from peewee import Database

# The columns the hash covers, in this order (audit_event's, without id and the two hashes).
CONTENT_COLUMNS = (
    "at",
    "actor_id",
    "customer_id",
    "cancellation_id",
    "action",
    "record_kind",
    "record_id",
    "before",
    "after",
)
PAGE = 2_000


class Problem(StrEnum):
    """What broke the chain at the first event that does not hold (the JSON key "problem")."""

    CHANGED = "changed"  # its content (or its hash) is not what was written
    MISSING = "missing"  # it follows an event that is not there: one was deleted before it
    INSERTED = "inserted"  # it was put in afterwards: the event after it follows the one before


EXPLAINED: dict[Problem, str] = {
    Problem.CHANGED: "its content was changed after it was written",
    Problem.MISSING: "an event before it is missing (deleted), or the one before it was rewritten",
    Problem.INSERTED: "it was inserted afterwards: the event after it follows the one before it",
}


def _moment(value: Any) -> str:
    """A timestamp as the hash sees it, the same from a datetime or SQLite's stored text."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return "" if value is None else str(value)


def _number(value: Any) -> int | None:
    return None if value is None else int(value)


def event_hash(previous_hash: str, content: Mapping[str, Any]) -> str:
    """The hash of an event with these columns that follows the event hashed ``previous_hash``
    ("" for the first event). ``content`` maps CONTENT_COLUMNS (peewee's names without the
    ``_id`` of a foreign key are taken too) to their values."""

    def value(column: str) -> Any:
        if column in content:
            return content[column]
        return content.get(column.removesuffix("_id"))

    canonical = [
        previous_hash,
        _moment(value("at")),
        _number(value("actor_id")),
        _number(value("customer_id")),
        _number(value("cancellation_id")),
        str(value("action") or ""),
        str(value("record_kind") or ""),
        _number(value("record_id")),
        str(value("before") or ""),
        str(value("after") or ""),
    ]
    text = json.dumps(canonical, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def chain(previous_hash: str, rows: Sequence[dict[str, Any]]) -> str:
    """Give each row (in order) its ``previous_hash`` and ``event_hash``; returns the last hash."""
    for row in rows:
        row["previous_hash"] = previous_hash
        previous_hash = row["event_hash"] = event_hash(previous_hash, row)
    return previous_hash


@dataclass(frozen=True)
class Event:
    """One stored event as the verification reads it."""

    id: int
    at: Any
    action: str
    previous_hash: str
    stored_hash: str
    content: dict[str, Any]

    @property
    def holds(self) -> bool:
        """Its stored hash is the hash of its content and its stored previous hash."""
        return event_hash(self.previous_hash, self.content) == self.stored_hash


@dataclass(frozen=True)
class Break:
    """The first event that does not hold, and why."""

    id: int
    at: str
    action: str
    problem: Problem

    @property
    def explanation(self) -> str:
        return EXPLAINED[self.problem]


@dataclass(frozen=True)
class Verdict:
    """The chain's verdict: how many events were read, and the first break (None: it holds)."""

    events: int
    first_break: Break | None


_COLUMNS = ", ".join(["id", *(f'"{column}"' for column in CONTENT_COLUMNS)])


def stored_events(db: Database, page: int = PAGE) -> Iterator[Event]:
    """Every event in id order, read ``page`` rows at a time (keyset paging: memory stays flat)."""
    last = 0
    while True:
        cursor = db.execute_sql(  # type: ignore[no-untyped-call]
            f"SELECT {_COLUMNS}, previous_hash, event_hash FROM audit_event "
            "WHERE id > %s ORDER BY id LIMIT %s".replace("%s", db.param),
            (last, page),
        )
        rows = cursor.fetchall()
        for row in rows:
            content = dict(zip(CONTENT_COLUMNS, row[1:-2], strict=True))
            yield Event(
                int(row[0]), row[1], str(content["action"]), str(row[-2]), str(row[-1]), content
            )
        if len(rows) < page:
            return
        last = int(rows[-1][0])


def _break(event: Event, problem: Problem) -> Break:
    return Break(event.id, _moment(event.at)[:19], event.action, problem)


def verify(db: Database, page: int = PAGE) -> Verdict:
    """Walk the chain from its first event; the first event that does not hold ends the walk.

    An event holds when its hash is that of its content and previous hash, and its previous
    hash is the hash of the event before it. When one does not: if the event after it follows
    the one before it, it was inserted; else if its own hash does not match its content, its
    content changed; else it follows an event that is not there (one was deleted before it)."""
    count = 0
    expected = ""  # the hash the next event must name as its previous one
    before_last = None  # the hash before ``expected``: an inserted last event shows by it
    last: Event | None = None
    pending: Event | None = None  # an event that broke the chain, waiting for the next one
    for event in stored_events(db, page):
        if pending is not None:
            if event.previous_hash == expected and event.holds:
                return Verdict(count, _break(pending, Problem.INSERTED))
            return Verdict(
                count, _break(pending, Problem.CHANGED if not pending.holds else Problem.MISSING)
            )
        count += 1
        if event.previous_hash == expected and event.holds:
            before_last, expected, last = expected, event.stored_hash, event
            continue
        if event.holds and before_last is not None and event.previous_hash == before_last:
            # It follows the event before the previous one: the previous one was put in between.
            assert last is not None
            return Verdict(count, _break(last, Problem.INSERTED))
        pending = event
    if pending is not None:
        return Verdict(
            count, _break(pending, Problem.CHANGED if not pending.holds else Problem.MISSING)
        )
    return Verdict(count, None)
