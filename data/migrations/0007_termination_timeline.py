"""The termination timeline: a cancellation's effective date, the deactivation of the customer's
access, the account team's data decision and the purge, and the completions of timeline tasks
and sign-offs."""

import datetime

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # Frozen stand-ins for the tables the new one points at (only their keys matter).
    class User(Base):
        login = CharField(max_length=64, unique=True)

    class Cancellation(Base):
        state = CharField(max_length=16)

    class Completion(Base):
        cancellation = ForeignKeyField(Cancellation, on_delete="CASCADE")
        kind = CharField(max_length=16)
        key = CharField(max_length=48)
        done_by = ForeignKeyField(User, on_delete="RESTRICT")
        done_at = DateTimeField(default=datetime.datetime.utcnow)
        note = TextField(default="")

        class Meta:
            indexes = ((("cancellation", "kind", "key"), True),)

    db.create_tables([Completion], safe=True)

    def user_column():
        return ForeignKeyField(User, null=True, on_delete="RESTRICT", field=User.id)

    migrator.migrate(
        migrator.add_column("cancellation", "effective_date", DateField(null=True)),
        migrator.add_column("cancellation", "access_deactivated_at", DateTimeField(null=True)),
        migrator.add_column("cancellation", "access_deactivated_by_id", user_column()),
        migrator.add_column("cancellation", "access_guids", TextField(default="")),
        migrator.add_column("cancellation", "data_decision", CharField(max_length=16, null=True)),
        migrator.add_column("cancellation", "decision_reason", TextField(default="")),
        migrator.add_column("cancellation", "review_date", DateField(null=True)),
        migrator.add_column("cancellation", "decided_by_id", user_column()),
        migrator.add_column("cancellation", "decided_at", DateTimeField(null=True)),
        migrator.add_column("cancellation", "purged_by_id", user_column()),
        migrator.add_column("cancellation", "purged_at", DateTimeField(null=True)),
    )
