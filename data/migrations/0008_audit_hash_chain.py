"""The audit trail's hash chain, and SQLite's INSERT OR REPLACE closed.

Each event gets the previous event's hash and its own (``data.chain``: the hash must stay the
one every stored event was made with, so it is not frozen here but shared with the code that
writes and verifies it). The events already written are chained here, in id order; the
append-only triggers are set aside for that one transaction and put back.

SQLite: REPLACE deletes the row it replaces without firing a DELETE trigger, so a BEFORE
INSERT trigger refuses an insert whose id (or previous hash) is already there. PostgreSQL has
no REPLACE; its INSERT ... ON CONFLICT DO UPDATE fires the UPDATE trigger, which refuses.
"""

from peewee import PostgresqlDatabase

from data.chain import chain, stored_events

REFUSE = "SELECT RAISE(ABORT, 'The audit trail cannot be changed.');"


def _chain_existing(db):
    previous = ""
    page = []
    param = db.param
    update = (
        f"UPDATE audit_event SET previous_hash = {param}, event_hash = {param} WHERE id = {param}"
    )

    def write(rows):
        cursor = db.cursor()
        if isinstance(db, PostgresqlDatabase):
            from psycopg2.extras import execute_values

            # One statement a page: a round trip per row made 100,000 events take 12 s.
            execute_values(
                cursor,
                "UPDATE audit_event AS a SET previous_hash = v.p, event_hash = v.h "
                "FROM (VALUES %s) AS v (id, p, h) WHERE a.id = v.id",
                [(r["id"], r["previous_hash"], r["event_hash"]) for r in rows],
                page_size=len(rows),
            )
            return
        cursor.executemany(update, [(r["previous_hash"], r["event_hash"], r["id"]) for r in rows])

    for event in stored_events(db):
        page.append({**event.content, "id": event.id})
        if len(page) == 2_000:
            previous = chain(previous, page)
            write(page)
            page = []
    if page:
        chain(previous, page)
        write(page)


def up(migrator, db):
    for column in ("previous_hash", "event_hash"):
        db.execute_sql(
            f"ALTER TABLE audit_event ADD COLUMN {column} VARCHAR(64) NOT NULL DEFAULT ''"
        )
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        _chain_existing(db)
        db.execute_sql("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
    else:
        db.execute_sql("DROP TRIGGER audit_event_no_update")
        _chain_existing(db)
        db.execute_sql(
            f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN {REFUSE} END"
        )
        db.execute_sql(
            "CREATE TRIGGER audit_event_no_replace BEFORE INSERT ON audit_event "
            "WHEN EXISTS (SELECT 1 FROM audit_event "
            "WHERE id = NEW.id OR previous_hash = NEW.previous_hash) "
            f"BEGIN {REFUSE} END"
        )
    # One event follows each: two writers can never both append after the same event.
    db.execute_sql("CREATE UNIQUE INDEX audit_event_previous_hash ON audit_event (previous_hash)")
