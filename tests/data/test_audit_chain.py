"""The audit trail's hash chain (data.chain): every event follows the one before it, concurrent
writers never fork the chain, the migration chains the events already written, and ``verify``
names the first event that was changed, deleted before, or inserted.

Tampering is done as an attacker with the owner's rights could: raw SQL with the append-only
triggers (and, where it is in the way, the chain's unique index) set aside."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from data import audit, cancellations, chain, users
from data.db import connection, database, is_sqlite, migrate_schema
from data.models import AuditEvent
from tests.conftest import OpenedDatabase
from tests.data.world import ADMIN, LEAD, World

FUTURE = dt.date.today() + dt.timedelta(days=45)


def make_events(world: World, reasons: int = 5) -> list[int]:
    """A few events of several kinds; their ids, in order."""
    cancellations.begin(LEAD, world.account)
    cancellations.add_expiry(LEAD, world.account, FUTURE, "Call in a year")
    for number in range(reasons):
        users.add_reason(ADMIN, f"Reason {number}")
    with connection():
        return [event.id for event in AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id)]


def tamper(*statements: str, drop_chain_index: bool = False) -> None:
    """Run raw SQL against the trail with its guards set aside (the owner may do that)."""
    with connection(), database.atomic():
        if is_sqlite():
            for trigger in ("no_update", "no_delete", "no_replace"):
                database.execute_sql(f"DROP TRIGGER IF EXISTS audit_event_{trigger}")
        else:
            database.execute_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
        if drop_chain_index:
            database.execute_sql("DROP INDEX audit_event_previous_hash")
        for statement in statements:
            database.execute_sql(statement)
        if not is_sqlite():
            database.execute_sql("ALTER TABLE audit_event ENABLE TRIGGER USER")


def verdict(page: int = 2) -> chain.Verdict:
    """The chain's verdict, read two events a page so that paging is crossed."""
    with connection():
        return chain.verify(database.obj, page=page)


def insert_copy(of: int, at_id: int, previous: str, event_hash: str) -> str:
    """SQL inserting a copy of event ``of`` with another id and the hashes given."""
    columns = ", ".join(f'"{column}"' for column in chain.CONTENT_COLUMNS)
    return (
        f"INSERT INTO audit_event (id, {columns}, previous_hash, event_hash) "
        f"SELECT {at_id}, {columns}, '{previous}', '{event_hash}' FROM audit_event WHERE id = {of}"
    )


def make_room_after(event_id: int) -> list[str]:
    """SQL moving every event after ``event_id`` one id up (ids are not hashed: the chain
    fixes the order), leaving ``event_id + 1`` free for an inserted event."""
    return [
        f"UPDATE audit_event SET id = id + 100000 WHERE id > {event_id}",
        "UPDATE audit_event SET id = id - 99999 WHERE id > 100000",
    ]


def stored(event_id: int) -> AuditEvent:
    with connection():
        event: AuditEvent = AuditEvent.get_by_id(event_id)
        return event


# ----------------------------------------------------------------------------- writing


def test_each_event_follows_the_one_before_and_the_chain_holds(world: World) -> None:
    ids = make_events(world)

    with connection():
        trail = list(AuditEvent.select().order_by(AuditEvent.id))
    previous = ""
    for event in trail:
        assert event.previous_hash == previous
        content = {column: getattr(event, column) for column in chain.CONTENT_COLUMNS}
        assert event.event_hash == chain.event_hash(previous, content)
        assert len(event.event_hash) == 64
        previous = event.event_hash
    assert verdict() == chain.Verdict(len(ids), None)


def test_a_bulk_change_writes_one_insert_per_batch_and_chains_every_row(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_events(world, reasons=1)
    inserts: list[int] = []  # the rows of each INSERT into the audit trail
    execute_sql = database.obj.execute_sql
    columns = len(AuditEvent._meta.sorted_fields) - 1  # all but the id

    def counted(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if sql.startswith(f'INSERT INTO "{AuditEvent._meta.table_name}"'):
            inserts.append(len(params) // columns)
        return execute_sql(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", counted)
    with connection():
        who = audit.actor(ADMIN)
        with database.atomic():
            audit.record((audit.event(who, "bulk", record_id=n) for n in range(1001)), batch=500)

    assert inserts == [500, 500, 1]
    assert verdict(page=2000).first_break is None


def test_concurrent_writers_do_not_fork_the_chain(world: World, db: OpenedDatabase) -> None:
    """Four writers append at once, each in its own connection (and transaction); the chain
    stays one line: on PostgreSQL the advisory lock orders them, on SQLite BEGIN IMMEDIATE."""
    make_events(world, reasons=0)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer(number: int) -> None:
        try:
            start.wait()
            for step in range(5):
                users.add_reason(ADMIN, f"Writer {number} reason {step}")
        except BaseException as error:
            errors.append(error)
        finally:
            if not database.is_closed():
                database.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    result = verdict(page=500)
    assert result.first_break is None
    with connection():
        assert result.events == AuditEvent.select().count() == 2 + 20


def test_events_written_before_the_chain_get_their_hashes_in_the_migration(
    bare_db: OpenedDatabase,
) -> None:
    db = bare_db.database
    db.connect(reuse_if_open=True)
    migrate_schema(db, target="0007_termination_timeline")
    marker = db.param
    with db.atomic():
        db.execute_sql(
            f'INSERT INTO "user" (login, display_name, email, roles, active, created_at) '
            f"VALUES ({marker}, {marker}, '', 'crm-admin', {marker}, {marker})",
            ("olive", "Olive Old", True, dt.datetime(2025, 1, 2, 3, 4, 5)),
        )
        for number in range(5):
            db.execute_sql(
                "INSERT INTO audit_event (at, actor_id, action, record_kind, record_id, "
                f'"before", "after") VALUES ({marker}, 1, {marker}, \'reason\', {marker}, '
                "'{}', '{\"name\": \"x\"}')",
                (dt.datetime(2025, 1, 2, 3, 4, number, 5000), f"old {number}", number),
            )
    database.initialize(db)

    migrate_schema(db)

    result = verdict()
    assert result == chain.Verdict(5, None)
    with connection():
        first = AuditEvent.select().order_by(AuditEvent.id).first()
        assert first.previous_hash == ""
        assert first.event_hash != ""
    # and a new event follows the last migrated one
    users.add_reason("olive", "New reason")
    assert verdict() == chain.Verdict(6, None)


# ----------------------------------------------------------------------------- verifying


def test_a_changed_event_is_named(world: World) -> None:
    ids = make_events(world)
    changed = ids[3]
    tamper(f'UPDATE audit_event SET after = \'{{"name": "Nothing"}}\' WHERE id = {changed}')

    broken = verdict().first_break

    assert broken is not None
    assert (broken.id, broken.action, broken.problem) == (
        changed,
        "add reason",
        chain.Problem.CHANGED,
    )
    assert broken.at == str(stored(changed).at)[:19]


def test_a_changed_event_whose_hash_was_changed_too_breaks_the_chain_after_it(
    world: World,
) -> None:
    ids = make_events(world)
    event = stored(ids[3])
    content = {column: getattr(event, column) for column in chain.CONTENT_COLUMNS}
    content["action"] = "nothing happened"
    forged = chain.event_hash(event.previous_hash, content)
    tamper(
        f"UPDATE audit_event SET action = 'nothing happened', event_hash = '{forged}' "
        f"WHERE id = {ids[3]}"
    )

    broken = verdict().first_break

    assert broken is not None
    assert (broken.id, broken.problem) == (ids[4], chain.Problem.MISSING)


@pytest.mark.parametrize("position", [0, 3, -1])
def test_a_deleted_event_is_named_by_the_event_after_it(world: World, position: int) -> None:
    ids = make_events(world)
    deleted = ids[position]
    tamper(f"DELETE FROM audit_event WHERE id = {deleted}")

    result = verdict()

    if position == -1:  # the last event: nothing follows it, the chain that is left holds
        assert result == chain.Verdict(len(ids) - 1, None)
        return
    broken = result.first_break
    assert broken is not None
    assert (broken.id, broken.problem) == (ids[position + 1], chain.Problem.MISSING)


def test_an_inserted_event_is_named(world: World) -> None:
    ids = make_events(world)
    tamper(*make_room_after(ids[2]), insert_copy(ids[1], ids[2] + 1, "0" * 64, "1" * 64))

    broken = verdict().first_break

    assert broken is not None
    assert (broken.id, broken.problem) == (ids[2] + 1, chain.Problem.INSERTED)


def test_an_inserted_event_with_a_valid_hash_is_named_too(world: World) -> None:
    """The forger links it to the event before it and hashes it right: the event after it
    still names the event before the forged one."""
    ids = make_events(world)
    before = stored(ids[2])
    copied = stored(ids[1])
    content = {column: getattr(copied, column) for column in chain.CONTENT_COLUMNS}
    forged = chain.event_hash(before.event_hash, content)
    tamper(
        *make_room_after(ids[2]),
        insert_copy(ids[1], ids[2] + 1, before.event_hash, forged),
        drop_chain_index=True,
    )
    try:
        broken = verdict().first_break

        assert broken is not None
        assert (broken.id, broken.problem) == (ids[2] + 1, chain.Problem.INSERTED)
    finally:
        # The PostgreSQL database serves the next tests, emptied of rows only: put the index back.
        tamper(
            "DELETE FROM audit_event",
            "CREATE UNIQUE INDEX audit_event_previous_hash ON audit_event (previous_hash)",
        )


def test_an_untouched_chain_of_many_pages_holds(world: World) -> None:
    ids = make_events(world, reasons=9)
    assert verdict(page=3) == chain.Verdict(len(ids), None)
    assert verdict(page=1) == chain.Verdict(len(ids), None)
