"""One customer's audit trail, readable: every event in order (when, who, what, before →
after), filtered by kind (the event's action), read a page at a time by keyset on the
(customer, at) index so a customer with thousands of events pages at once; and the whole
trail's hash-chain check (``data.chain``), as ``offboard audit verify`` runs it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from peewee import JOIN, SQL, Tuple, fn

from data import chain
from data.db import connection, database
from data.models import AuditEvent, Customer, User

PAGE = 200
NOTHING = "—"


@dataclass(frozen=True)
class Change:
    key: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: dt.datetime  # naive UTC, as stored
    actor: str  # the display name
    actor_login: str
    action: str
    record_kind: str
    record_id: int | None
    cancellation_id: int | None
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def changes(self) -> list[Change]:
        """Each key the event names, with its value before and after ("—": none)."""
        keys = list(dict.fromkeys([*self.before, *self.after]))
        return [
            Change(key, _value(self.before.get(key)), _value(self.after.get(key))) for key in keys
        ]

    @property
    def what(self) -> str:
        """The action and the record it touched: ``cease asset (asset 12)``."""
        if self.record_kind and self.record_id is not None:
            return f"{self.action} ({self.record_kind} {self.record_id})"
        if self.record_kind:
            return f"{self.action} ({self.record_kind})"
        return self.action

    def change_text(self) -> str:
        """before → after, key by key, on one line."""
        return "; ".join(f"{c.key}: {c.before} → {c.after}" for c in self.changes) or NOTHING

    def as_json(self, zone: dt.tzinfo | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.replace(tzinfo=dt.UTC).isoformat(),
            "local": local_time(self.at, zone),
            "actor": self.actor_login,
            "actor_name": self.actor,
            "action": self.action,
            "record_kind": self.record_kind or None,
            "record_id": self.record_id,
            "cancellation_id": self.cancellation_id,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class AuditPage:
    account: str
    customer: str
    lines: list[AuditLine]
    total: int  # events of the customer with this kind (every kind: all its events)
    kinds: list[tuple[str, int]]  # every action the customer's trail holds, with its count
    after: tuple[dt.datetime, int] | None  # where the next page starts; None: this is the last


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return NOTHING
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {"(text)": text}
    return value if isinstance(value, dict) else {"(value)": value}


def viewer_zone() -> dt.tzinfo:
    """The time zone of the person reading: this machine's."""
    zone = dt.datetime.now().astimezone().tzinfo
    return zone if zone is not None else dt.UTC


def local_time(moment: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """A stored time in the viewer's zone, the zone shown: ``2026-11-21 14:05:09 CET``."""
    local = moment.replace(tzinfo=dt.UTC).astimezone(zone or viewer_zone())
    return local.strftime("%Y-%m-%d %H:%M:%S %Z").strip()


def zone_name(zone: dt.tzinfo | None = None) -> str:
    chosen = zone or viewer_zone()
    key = getattr(chosen, "key", None)
    return str(key or dt.datetime.now(chosen).strftime("%Z") or "UTC")


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value.replace(tzinfo=None)


def _lines(customer_id: int, kind: str | None, after: tuple[dt.datetime, int] | None, limit: int):  # type: ignore[no-untyped-def]
    query = (
        AuditEvent.select(AuditEvent, User.login, User.display_name)
        .join(User, JOIN.LEFT_OUTER, on=(User.id == AuditEvent.actor))
        .where(AuditEvent.customer == customer_id)
    )
    if kind:
        query = query.where(AuditEvent.action == kind)
    if after is not None:
        query = query.where(Tuple(AuditEvent.at, AuditEvent.id) > Tuple(*after))
    return query.order_by(AuditEvent.at, AuditEvent.id).limit(limit).dicts()


def _line(row: dict[str, Any]) -> AuditLine:
    return AuditLine(
        int(row["id"]),
        _moment(row["at"]),
        str(row.get("display_name") or row.get("login") or row["actor"]),
        str(row.get("login") or ""),
        str(row["action"]),
        str(row["record_kind"] or ""),
        None if row["record_id"] is None else int(row["record_id"]),
        None if row["cancellation"] is None else int(row["cancellation"]),
        _json(str(row["before"])),
        _json(str(row["after"])),
    )


def audit_page(
    account: str,
    *,
    kind: str | None = None,
    after: tuple[dt.datetime, int] | None = None,
    limit: int = PAGE,
) -> AuditPage:
    """A page of the customer's events after ``after`` (in order: when, then id), of one kind
    (action) or all; with the count and the kinds the viewer filters by."""
    with connection():
        customer = Customer.by_account(account)
        rows = list(_lines(int(customer.id), kind, after, limit + 1))
        counted: Any = (
            AuditEvent.select(AuditEvent.action, fn.COUNT(SQL("*")))
            .where(AuditEvent.customer == customer.id)
            .group_by(AuditEvent.action)
            .order_by(AuditEvent.action)
            .tuples()
        )
        kinds = [(str(action), int(count)) for action, count in counted]
    lines = [_line(row) for row in rows[:limit]]
    more = len(rows) > limit
    total = sum(count for action, count in kinds if not kind or action == kind)
    return AuditPage(
        str(customer.account),
        str(customer.name),
        lines,
        total,
        kinds,
        (lines[-1].at, lines[-1].id) if more and lines else None,
    )


def audit_events(account: str, kind: str | None = None, page: int = 2_000) -> Iterator[AuditLine]:
    """Every event of the customer in order, read ``page`` at a time (memory stays flat)."""
    after: tuple[dt.datetime, int] | None = None
    while True:
        found = audit_page(account, kind=kind, after=after, limit=page)
        yield from found.lines
        if found.after is None:
            return
        after = found.after


def verify_chain() -> chain.Verdict:
    """The whole trail's hash-chain check (what ``offboard audit verify`` runs)."""
    with connection():
        return chain.verify(database.obj)


def verdict_text(verdict: chain.Verdict) -> str:
    """One line: ``audit trail intact, 1,204 events`` or the first event that fails."""
    broken = verdict.first_break
    if broken is None:
        return f"audit trail intact, {verdict.events:,} events"
    return (
        f"audit trail broken at event {broken.id} ({broken.at}, {broken.action}): "
        f"{broken.explanation}"
    )
