"""Customers get a case-folded name key, backfilled, so lists sort and prefix-search by index."""

from peewee import CharField


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("customer", "name_key", CharField(max_length=200, default="")),
    )
    cursor = db.execute_sql('SELECT id, name FROM "customer"')
    rows = [(" ".join(name.split()).casefold(), pk) for pk, name in cursor.fetchall()]
    for key, pk in rows:
        db.execute_sql(
            f'UPDATE "customer" SET name_key = {db.param} WHERE id = {db.param}', (key, pk)
        )
    migrator.migrate(
        migrator.add_index("customer", ("name_key",), False),
        migrator.add_index("customer", ("status", "name_key"), False),
    )
