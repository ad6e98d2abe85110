"""Section versions (issue 14): a conflict as narrow as the data it touches. For each part of a
cancellation (its reasons, its owner, a section's steps or records…) the customer's version at
which it was last changed, by whom and when; a save is refused only when the part it touches
changed after the form read it. "case" is when the cancellation was begun: a pending
cancellation already there gets the customer's version now (a form read before this migration
is checked as strictly as before)."""

import datetime

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class User(Base):
        login = CharField(max_length=64, unique=True)

    class Cancellation(Base):
        state = CharField(max_length=16)

    class SectionVersion(Base):
        cancellation = ForeignKeyField(Cancellation, on_delete="CASCADE")
        section = CharField(max_length=48)
        version = IntegerField()
        changed_by = ForeignKeyField(User, on_delete="RESTRICT")
        changed_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "section_version"
            indexes = ((("cancellation", "section"), True),)

    db.create_tables([SectionVersion], safe=True)
    db.execute_sql(
        'INSERT INTO "section_version" (cancellation_id, section, version, changed_by_id, '
        "changed_at) "
        "SELECT c.id, 'case', cu.version, c.begun_by_id, c.begun_at FROM \"cancellation\" c "
        "JOIN \"customer\" cu ON cu.id = c.customer_id WHERE c.state = 'pending'"
    )
