"""Two milestones and playbook versions: the playbooks cancellations were begun with (kept once
per digest), the version each cancellation runs on, and when its termination case was closed.

A cancellation processed before this migration was processed under the old single milestone,
which waited for the purge and made the customer a Former Customer: it reads as closed, by the
same person at the same moment."""

import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # A frozen stand-in for the table the new columns point at (only its key matters).
    class User(Base):
        login = CharField(max_length=64, unique=True)

    class PlaybookVersion(Base):
        digest = CharField(max_length=64, unique=True)
        name = CharField(max_length=200)
        source = TextField(default="")
        text = TextField()
        created_at = DateTimeField(default=datetime.datetime.utcnow)

    db.create_tables([PlaybookVersion], safe=True)

    migrator.migrate(
        migrator.add_column(
            "cancellation",
            "playbook_version_id",
            ForeignKeyField(
                PlaybookVersion, null=True, on_delete="RESTRICT", field=PlaybookVersion.id
            ),
        ),
        migrator.add_column("cancellation", "closed_at", DateTimeField(null=True)),
        migrator.add_column(
            "cancellation",
            "closed_by_id",
            ForeignKeyField(User, null=True, on_delete="RESTRICT", field=User.id),
        ),
    )
    db.execute_sql(
        'UPDATE "cancellation" SET closed_at = processed_at, closed_by_id = processed_by_id '
        "WHERE state = 'processed' AND closed_at IS NULL"
    )
