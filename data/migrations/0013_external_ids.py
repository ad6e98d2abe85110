"""External ids: the Salesforce ``Id`` a user, customer or record was imported with (issue 13),
so a newer export of the same org updates it rather than adding it twice, and the export back
is keyed by it. Nullable (rows made in offboard have none), unique per table (NULLs many)."""

from peewee import CharField

TABLES = ("user", "customer", "asset", "case", "opportunity", "quotation", "sales_order")


def up(migrator, db):
    # add_column makes the field's unique index too ("<table>_external_id", as the models name it)
    migrator.migrate(
        *(
            migrator.add_column(
                table, "external_id", CharField(max_length=18, null=True, unique=True)
            )
            for table in TABLES
        )
    )
