"""The audit trail's guards: a change and its events are one transaction (no event, no change),
and nobody can change or delete an event, neither through the models nor with raw SQL: the
database's triggers refuse it on both backends.

The tests share one staged world (see ``world.stage``), and each asserts it left it unchanged."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from peewee import DatabaseError

from data import audit, cancellations, users
from data.db import connection, database, is_sqlite
from data.errors import Conflict
from data.models import AuditEvent
from tests.data.world import ADMIN, LEAD, TESS, World

FUTURE = dt.date.today() + dt.timedelta(days=45)
REFUSED = re.escape("The audit trail cannot be changed.")
FIRST = "(SELECT min(id) FROM audit_event)"  # ids on PostgreSQL go on from earlier tests


def failing_record(*_: Any, **__: Any) -> int:
    raise RuntimeError("the disk is full")


CHANGES: dict[str, Callable[[World], object]] = {
    "begin": lambda w: cancellations.begin(LEAD, "500002"),
    "cease": lambda w: cancellations.cease_assets(LEAD, w.account, dt.date(2026, 1, 1)),
    "close": lambda w: cancellations.close_cases(LEAD, w.account),
    "expiry": lambda w: cancellations.add_expiry(LEAD, w.account, FUTURE),
    "owner-now": lambda w: cancellations.choose_owner(LEAD, w.account, TESS, apply_now=True),
    "reasons": lambda w: cancellations.set_reasons(LEAD, w.account, [w.reasons["Budget cuts"]]),
    "process": lambda w: cancellations.process(LEAD, "500003"),  # with its outbox message
    "remove": lambda w: cancellations.remove(LEAD, w.account),
    "add-user": lambda w: users.add_user(ADMIN, "newbie", "New Bie"),
    "add-reason": lambda w: users.add_reason(ADMIN, "Relocated"),
}


def test_a_change_whose_audit_cannot_be_written_is_not_made(
    staged_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The events go in the change's own transaction: no event, no change."""
    before = staged_world.snapshot()
    monkeypatch.setattr(audit, "record", failing_record)

    for change, call in CHANGES.items():
        with pytest.raises(RuntimeError, match="the disk is full"):
            call(staged_world)
        # not the status, the records, the cancellation, the outbox: nothing
        assert staged_world.snapshot() == before, change


def test_an_event_cannot_be_changed_or_deleted_through_the_model(staged_world: World) -> None:
    with connection():
        event = AuditEvent.select().order_by(AuditEvent.id).first()
    before = staged_world.snapshot()

    event.action = "nothing happened"
    with pytest.raises(Conflict, match=REFUSED):
        event.save()
    with pytest.raises(Conflict, match=REFUSED):
        event.delete_instance()

    assert staged_world.snapshot() == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET action = 'nothing happened'",
        "UPDATE audit_event SET actor_id = actor_id",
        "DELETE FROM audit_event",
        "DELETE FROM audit_event WHERE action = 'begin'",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(staged_world: World, sql: str) -> None:
    before = staged_world.snapshot()

    with pytest.raises(DatabaseError, match=REFUSED), database.atomic():
        database.execute_sql(sql)

    assert staged_world.snapshot() == before


def test_postgresql_refuses_truncating_the_trail(staged_world: World) -> None:
    if is_sqlite():
        pytest.skip("SQLite has no TRUNCATE; its DELETE trigger is tested above")
    before = staged_world.snapshot()

    with pytest.raises(DatabaseError, match=REFUSED), database.atomic():
        database.execute_sql("TRUNCATE audit_event")

    assert staged_world.snapshot() == before


def test_the_database_refuses_query_level_updates_and_deletes(staged_world: World) -> None:
    """Peewee's update() and delete() queries skip the model's methods: the triggers still hold."""
    before = staged_world.snapshot()

    with pytest.raises(DatabaseError, match=REFUSED), database.atomic():
        AuditEvent.update(after="{}").execute()
    with pytest.raises(DatabaseError, match=REFUSED), database.atomic():
        AuditEvent.delete().where(AuditEvent.action == "begin").execute()

    assert staged_world.snapshot() == before


def test_sqlite_refuses_insert_or_replace_through_the_model(staged_world: World) -> None:
    """REPLACE deletes the row it replaces without firing the DELETE trigger: a BEFORE INSERT
    trigger (migration 0008) refuses an id, or a place in the chain, that is already taken."""
    if not is_sqlite():
        pytest.skip("PostgreSQL has no REPLACE; its ON CONFLICT DO UPDATE is tested below")
    with connection():
        event = AuditEvent.select().order_by(AuditEvent.id).first()
    before = staged_world.snapshot()

    with pytest.raises(DatabaseError, match=REFUSED), database.atomic():
        AuditEvent.replace(
            id=event.id, at=event.at, actor=event.actor_id, action="nothing happened"
        ).execute()

    assert staged_world.snapshot() == before


@pytest.mark.parametrize(
    "sql",
    [
        # the same id
        "INSERT OR REPLACE INTO audit_event SELECT id, at, actor_id, customer_id, "
        "cancellation_id, 'nothing happened', record_kind, record_id, before, after, "
        "previous_hash, event_hash FROM audit_event WHERE id = " + FIRST,
        "REPLACE INTO audit_event (id, at, actor_id, action) "
        "SELECT id, at, actor_id, 'nothing happened' FROM audit_event WHERE id = " + FIRST,
        # a new id, but the first event's place in the chain (its unique previous hash)
        "INSERT OR REPLACE INTO audit_event (at, actor_id, action, previous_hash) "
        "SELECT at, actor_id, 'nothing happened', previous_hash FROM audit_event WHERE id = "
        + FIRST,
    ],
)
def test_sqlite_refuses_insert_or_replace_in_plain_sql(staged_world: World, sql: str) -> None:
    if not is_sqlite():
        pytest.skip("PostgreSQL has no REPLACE; its ON CONFLICT DO UPDATE is tested below")
    before = staged_world.snapshot()

    with pytest.raises(DatabaseError, match=REFUSED), database.atomic():
        database.execute_sql(sql)

    assert staged_world.snapshot() == before


def test_an_upsert_cannot_rewrite_an_event(staged_world: World) -> None:
    """INSERT ... ON CONFLICT DO UPDATE fires the UPDATE trigger, on both backends."""
    before = staged_world.snapshot()

    with pytest.raises(DatabaseError, match=REFUSED), database.atomic():
        database.execute_sql(
            "INSERT INTO audit_event (id, at, actor_id, action, record_kind, before, after, "
            "previous_hash, event_hash) SELECT id, at, actor_id, 'nothing happened', "
            "record_kind, before, after, previous_hash, event_hash FROM audit_event "
            f"WHERE id = {FIRST} ON CONFLICT (id) DO UPDATE SET action = 'nothing happened'"
        )

    assert staged_world.snapshot() == before
