"""Customers get a (status, account) index, so a search by account number within one status
reads only the customers it finds."""


def up(migrator, db):
    migrator.migrate(
        migrator.add_index("customer", ("status", "account"), False),
    )
