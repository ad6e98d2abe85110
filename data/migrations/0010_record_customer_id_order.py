"""On PostgreSQL, a customer's records are read in id order from an index on (customer, id):
each record table's customer index becomes (customer_id, id), and a partial (customer_id, id)
index holds only the records that block a cancellation, so a page of blocking records is read
from it rather than by walking the primary key (PostgreSQL's estimate of how many of a large
customer's records are still open follows the whole table and can be far off).

The predicates are the blocking conditions of ``data.rules`` as written here on the day; the
query's condition must match its index's for PostgreSQL to use it (tests/data/test_query_plans.py
checks the plans). SQLite keeps its indexes: each already ends with the row id.
"""

from peewee import PostgresqlDatabase

BLOCKING = {
    "asset": "live OR cease_date IS NULL",
    "case": "NOT closed",
    "opportunity": "stage NOT IN ('Won', 'Lost', 'Cancelled')",
    "quotation": "status NOT IN ('Won', 'Lost', 'Expired', 'Cancelled')",
    "sales_order": "status NOT IN ('Completed', 'Cancelled')",
}


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return
    for table, blocking in BLOCKING.items():
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "{table}_customer_id_id" ON "{table}" (customer_id, id)'
        )
        # The new index answers everything the customer index did; one index less to write.
        db.execute_sql(f'DROP INDEX IF EXISTS "{table}_customer_id"')
        db.execute_sql(
            f'CREATE INDEX IF NOT EXISTS "{table}_blocking_customer_id_id" ON "{table}" '
            f"(customer_id, id) WHERE {blocking}"
        )
