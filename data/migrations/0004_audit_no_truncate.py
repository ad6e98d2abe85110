"""PostgreSQL: TRUNCATE skips row triggers, so the append-only audit trail gets a statement
trigger against it too. (SQLite has no TRUNCATE; its DELETE trigger already guards the table.)"""

from peewee import PostgresqlDatabase


def up(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        db.execute_sql(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION offboard_audit_append_only()"
        )
