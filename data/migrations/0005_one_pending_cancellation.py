"""At most one pending cancellation per customer, said by the database too.

0001 declared this partial unique index under the foreign key's own index name, so
CREATE INDEX IF NOT EXISTS quietly skipped it; here it gets a name of its own."""


def up(migrator, db):
    db.execute_sql(
        "CREATE UNIQUE INDEX IF NOT EXISTS cancellation_one_pending "
        "ON cancellation (customer_id) WHERE state = 'pending'"
    )
