"""The reports (data/reports, issue 16) read a period of cancellations by when they were
processed or closed, expiries by date (win-back) and save attempts by when they were made:
an index on each of those columns, so a report reads its period rather than the whole table."""

INDEXES = {
    "cancellation_processed_at": ("cancellation", "processed_at"),
    "cancellation_closed_at": ("cancellation", "closed_at"),
    "expiry_date": ("expiry", "date"),
    "save_attempt_at": ("save_attempt", "at"),
}


def up(migrator, db):
    for name, (table, column) in INDEXES.items():
        db.execute_sql(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')


def down(migrator, db):
    for name in INDEXES:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
